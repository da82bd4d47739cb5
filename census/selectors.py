"""Counting census rounds: present, new, left, and origin classes — all in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy
from people.models import OriginClass, Person
from people.origin import origin_class_expression
from people.safeguards import CHILD_AGE

from .models import CensusEntry, CensusRound


@dataclass
class RoundSummary:
    round: CensusRound
    previous: CensusRound | None
    present: int = 0
    new: int = 0
    left: int = 0
    by_origin: dict[str, int] = field(default_factory=dict)
    children: int = 0
    trafficking: int = 0

    previous_present: int | None = None

    @property
    def change(self) -> int | None:
        """Present now minus present in the previous round (None for a site's first round)."""
        return None if self.previous_present is None else self.present - self.previous_present

    def origin_rows(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.by_origin.get(value, 0)) for value, label in OriginClass.choices]


def round_people(census_round: CensusRound) -> QuerySet:
    return Person.objects.filter(census_entries__round=census_round)


def people_with_origin(qs: QuerySet, census_round: CensusRound) -> QuerySet:
    site = census_round.site
    return qs.annotate(site_regency=Value(site.regency_code), site_province=Value(site.province_code)).annotate(
        origin_class=origin_class_expression(site_regency="site_regency", site_province="site_province")
    )


def round_summary(census_round: CensusRound) -> RoundSummary:
    previous = census_round.previous()
    summary = RoundSummary(round=census_round, previous=previous)
    entries = CensusEntry.objects.filter(round=census_round)
    summary.present = entries.count()
    origin_counts = (
        people_with_origin(round_people(census_round), census_round).values("origin_class").annotate(n=Count("id"))
    )
    summary.by_origin = {row["origin_class"]: row["n"] for row in origin_counts}
    flags = round_people(census_round).aggregate(
        children=Count("id", filter=Q(is_child=True)), trafficking=Count("id", filter=Q(trafficking_flag=True))
    )
    summary.children, summary.trafficking = flags["children"], flags["trafficking"]
    if previous is not None:
        in_previous = CensusEntry.objects.filter(round=previous, person=OuterRef("person"))
        in_current = CensusEntry.objects.filter(round=census_round, person=OuterRef("person"))
        summary.new = entries.exclude(Exists(in_previous)).count()
        previous_entries = CensusEntry.objects.filter(round=previous)
        summary.left = previous_entries.exclude(Exists(in_current)).count()
        summary.previous_present = previous_entries.count()
    else:
        summary.new = summary.present
    return summary


def left_people(census_round: CensusRound) -> QuerySet:
    """People present in the previous round and not in this one."""
    previous = census_round.previous()
    if previous is None:
        return Person.objects.none()
    return Person.objects.filter(census_entries__round=previous).exclude(census_entries__round=census_round)


def new_people(census_round: CensusRound) -> QuerySet:
    previous = census_round.previous()
    qs = round_people(census_round)
    return qs if previous is None else qs.exclude(census_entries__round=previous)


# --- Round pages ------------------------------------------------------------------------------


def round_list(user, *, site=None, kind: str = "") -> QuerySet[CensusRound]:
    """Rounds the user may see, newest first, each with its count of people present."""
    qs = policy.scope_census_rounds(user, CensusRound.objects.select_related("site"))
    if site is not None:
        qs = qs.filter(site=site)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(present=Count("entries")).order_by("-held_on", "-id")


TABS = ("present", "new", "left")


def tab_people(census_round: CensusRound, tab: str, previous: CensusRound | None) -> QuerySet[Person]:
    """People of one tab of the round page (present / new / left), by case code, with what the
    list shows (origin kabupaten/kota and origin class) loaded in the same query."""
    present = Person.objects.filter(census_entries__round=census_round)
    if tab == "new":
        qs = present if previous is None else present.exclude(census_entries__round=previous)
    elif tab == "left":
        qs = (
            Person.objects.none()
            if previous is None
            else Person.objects.filter(census_entries__round=previous).exclude(census_entries__round=census_round)
        )
    else:
        qs = present
    # The list shows no identity: leave the ciphertext and blind indexes in the database.
    qs = qs.select_related("origin_regency").defer("identity_ciphertext", "nik_hash", "name_dob_hash", "phone_hash")
    return people_with_origin(qs, census_round).order_by("case_code")


# Short origin labels for narrow list columns (the summary table uses the full labels).
ORIGIN_SHORT_LABELS = {
    OriginClass.LOCAL: gettext_lazy("Warga setempat"),
    OriginClass.SAME_PROVINCE: gettext_lazy("Provinsi yang sama"),
    OriginClass.OTHER_PROVINCE: gettext_lazy("Provinsi lain"),
    OriginClass.UNKNOWN: gettext_lazy("Asal tidak diketahui"),
}

# Age bands, not ages: the list must not narrow a person down more than the work needs.
AGE_BANDS = ((CHILD_AGE, "< 18"), (25, "18–24"), (35, "25–34"), (45, "35–44"))


def age_band(person: Person, on: dt.date) -> str:
    """Approximate age band on the round's date, from the birth year kept in clear. A child is
    always "< 18" (the flag is computed from the full birth date)."""
    if person.is_child:
        return AGE_BANDS[0][1]
    if not person.birth_year:
        return _("Tidak diketahui")
    age = on.year - person.birth_year
    for upper, label in AGE_BANDS:
        if age < upper:
            return label
    return "45+"
