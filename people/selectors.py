"""Reading person records: the search (case code, NIK or name through blind indexes) and the
lists, without a plain name or NIK anywhere in the database and without a query per row."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from access import policy
from census.models import CensusEntry, CensusRound
from sites.models import Site

from .crypto import blind_index
from .models import NameToken, Person, SafeguardingAlert
from .names import name_tokens
from .origin import origin_class_expression
from .services import nik_hash


class QueryKind:
    NONE = ""
    CASE_CODE = "case_code"
    NIK = "nik"
    NAME = "name"


# Case codes are "<4 regency digits>-<site code>-<number>", e.g. 5371-KD-0001.
_CASE_CODE = re.compile(r"^\d{4}-[A-Za-z0-9]{1,8}-\d{1,6}$")
# People type NIKs with spaces or dots from the card ("5371 0145 0395 0002").
_NIK_SEPARATORS = re.compile(r"[\s.\-]")
# More tokens than a name has only slows the query down.
MAX_NAME_TOKENS = 6


def query_kind(q: str) -> str:
    """What the one search box was given: a case code, a NIK, a name, or nothing."""
    q = (q or "").strip()
    if not q:
        return QueryKind.NONE
    if _CASE_CODE.match(q):
        return QueryKind.CASE_CODE
    compact = _NIK_SEPARATORS.sub("", q)
    if compact.isdigit() and len(compact) == 16:
        return QueryKind.NIK
    return QueryKind.NAME


def is_identity_query(kind: str) -> bool:
    """NIK and name searches are derived from identity: they need IDENTITY_VIEW and are audited."""
    return kind in (QueryKind.NIK, QueryKind.NAME)


def may_search_identity(user) -> bool:
    return policy.has_perm(user, policy.Perm.IDENTITY_VIEW) and policy.has_perm(user, policy.Perm.PEOPLE_VIEW)


def name_query_hashes(q: str) -> list[str]:
    """Blind-index hashes of the canonical tokens of a typed name ("Sri Rahayoe" → sri, rahayu)."""
    tokens = list(dict.fromkeys(name_tokens(q)))[:MAX_NAME_TOKENS]
    return [blind_index("name", token) for token in tokens]


def _match_query(qs: QuerySet[Person], q: str, kind: str) -> QuerySet[Person]:
    if kind == QueryKind.CASE_CODE:
        return qs.filter(case_code__iexact=q.strip())
    if kind == QueryKind.NIK:
        return qs.filter(nik_hash=nik_hash(_NIK_SEPARATORS.sub("", q)))
    hashes = name_query_hashes(q)
    if not hashes:
        return qs.none()
    # Every typed token must be one of the person's tokens (full name or an alias): AND, not OR.
    for token_hash in hashes:
        qs = qs.filter(Exists(NameToken.objects.filter(person=OuterRef("pk"), token_hash=token_hash)))
    return qs


def with_origin_class(qs: QuerySet[Person]) -> QuerySet[Person]:
    """``origin_class`` relative to the site where each person was registered."""
    return qs.annotate(
        origin_class=origin_class_expression(
            site_regency="registered_site__regency_code", site_province="registered_site__province_code"
        )
    )


def person_search(
    user,
    *,
    q: str = "",
    site: Site | None = None,
    round: CensusRound | None = None,
    origin: str = "",
    flags: Iterable[str] = (),
) -> QuerySet[Person]:
    """People the user may see that match the search box and filters, ordered by case code.

    ``q``: a case code (exact, any case), a NIK (exact, through the NIK blind index) or a name
    (every canonical token must match a token of the person's name or aliases). Users without
    IDENTITY_VIEW get nothing for a NIK or a name. ``flags``: "child" and/or "trafficking"
    (a person with any of them)."""
    qs = policy.scope_people(
        user,
        Person.objects.select_related("registered_site", "origin_regency", "origin_province")
        # The list never shows identity: leave the ciphertext and the keyed hashes in the database.
        .defer("identity_ciphertext", "nik_hash", "name_dob_hash", "phone_hash"),
    )
    qs = with_origin_class(qs)
    kind = query_kind(q)
    if kind:
        if is_identity_query(kind) and not may_search_identity(user):
            return qs.none()
        qs = _match_query(qs, q, kind)
    if site is not None:
        qs = qs.filter(registered_site=site)
    if round is not None:
        qs = qs.filter(Exists(CensusEntry.objects.filter(round=round, person=OuterRef("pk"))))
    if origin:
        qs = qs.filter(origin_class=origin)
    flagged = Q()
    if not policy.can_view_safeguarding(user):
        flags = ()  # a filter would reveal the flags the column hides
    if "child" in flags:
        flagged |= Q(is_child=True)
    if "trafficking" in flags:
        flagged |= Q(trafficking_flag=True)
    if flagged:
        qs = qs.filter(flagged)
    return qs.order_by("case_code")


def search_sites(user) -> QuerySet[Site]:
    """Sites a person list may be filtered by."""
    return policy.scope_sites(user, Site.objects.all()).order_by("name", "pk")


def search_rounds(user) -> QuerySet[CensusRound]:
    return policy.scope_census_rounds(user, CensusRound.objects.select_related("site")).order_by(
        "site__name", "-held_on", "-id"
    )


# --- One person ------------------------------------------------------------------------------


def person_for_user(user, case_code: str) -> Person:
    """One person through the policy (outside the user's scope: 404)."""
    return policy.get_for_user(
        user,
        Person.objects.select_related(
            "registered_site", "registered_site__region", "origin_regency", "origin_province"
        ),
        policy.scope_people,
        case_code=case_code,
    )


def possible_duplicates(user, person: Person, *, limit: int = 5) -> dict[str, list[str]]:
    """Case codes of other people in the user's scope with the same NIK, or the same name and
    birth date (blind indexes), to warn the registrar: {"nik": [...], "name_dob": [...]}."""
    others = policy.scope_people(user, Person.objects.exclude(pk=person.pk)).order_by("case_code")
    found: dict[str, list[str]] = {}
    if person.nik_hash:
        found["nik"] = list(others.filter(nik_hash=person.nik_hash).values_list("case_code", flat=True)[:limit])
    if person.name_dob_hash:
        found["name_dob"] = list(
            others.filter(name_dob_hash=person.name_dob_hash).values_list("case_code", flat=True)[:limit]
        )
    return {kind: codes for kind, codes in found.items() if codes}


def person_census_entries(user, person: Person) -> QuerySet[CensusEntry]:
    """The census rounds the person was counted in, among the rounds the user may see."""
    rounds = policy.scope_census_rounds(user, CensusRound.objects.all())
    return (
        CensusEntry.objects.filter(person=person, round__in=rounds)
        .select_related("round", "round__site")
        .order_by("-round__held_on", "-round_id")
    )


def person_open_alerts(person: Person) -> QuerySet[SafeguardingAlert]:
    return person.alerts.filter(acknowledged_at__isnull=True).order_by("-raised_at")


# --- Safeguarding alerts ---------------------------------------------------------------------


def alert_list(user, *, status: str = "open", kind: str = "") -> QuerySet[SafeguardingAlert]:
    """The supervisor's alerts: open ones first, newest first. ``status``: open / acknowledged / all."""
    qs = policy.scope_alerts(
        user, SafeguardingAlert.objects.select_related("person", "person__registered_site", "acknowledged_by")
    )
    if status == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    is_open = Case(When(acknowledged_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.alias(is_acknowledged=is_open).order_by("is_acknowledged", "-raised_at", "-id")


# --- Age bands -----------------------------------------------------------------------------

AGE_BANDS: list[tuple[int, str]] = [
    (18, _("di bawah 18")),
    (25, _("18–24")),
    (35, _("25–34")),
    (45, _("35–44")),
    (55, _("45–54")),
]


def age_band(birth_year: int | None, *, today: dt.date | None = None) -> str:
    """A coarse age band from the birth year (the list shows bands, never birth dates)."""
    if not birth_year:
        return ""
    age = (today or dt.date.today()).year - birth_year
    for upper, label in AGE_BANDS:
        if age < upper:
            return str(label)
    return str(_("55 ke atas"))
