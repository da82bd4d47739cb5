"""Registering and changing person records. Every rule about a person record lives here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from sites.models import Site

from .crypto import blind_index
from .identity import Identity, seal, unseal
from .models import (
    AlertKind,
    ConsentKind,
    ConsentRecord,
    LegalBasis,
    NameToken,
    Person,
    SafeguardingAlert,
)
from .names import canonical_name, name_tokens
from .nik import check_nik
from .safeguards import INDICATOR_CODES, is_child, trafficking_flagged


@dataclass
class PersonAttributes:
    """Non-identifying attributes, kept in clear for statistics."""

    sex: str = ""
    birth_year: int | None = None
    origin_province: str | None = None
    origin_regency: str | None = None
    education: str = "unknown"
    marital_status: str = "unknown"
    dependent_children: int | None = None
    legal_basis: str = LegalBasis.PUBLIC_TASK
    share_consent: bool | None = None
    trafficking_indicators: list[str] = field(default_factory=list)


# --- Keys derived from identity ----------------------------------------------------------------


def normalise_phone(phone: str) -> str:
    from lokal import normalize_phone

    return normalize_phone(phone) or "".join(ch for ch in phone if ch.isdigit())


def nik_hash(nik: str) -> str:
    return blind_index("nik", nik) if nik else ""


def name_dob_hash(full_name: str, birth_date: dt.date | None) -> str:
    key = canonical_name(full_name)
    if not key or birth_date is None:
        return ""
    return blind_index("name_dob", f"{key}|{birth_date.isoformat()}")


def name_token_hashes(full_name: str, aliases: list[str]) -> set[tuple[str, bool]]:
    hashes = {(blind_index("name", token), False) for token in name_tokens(full_name)}
    for alias in aliases:
        hashes |= {(blind_index("name", token), True) for token in name_tokens(alias)}
    return hashes


def _apply_identity(person: Person, identity: Identity) -> None:
    person.identity_ciphertext = seal(identity)
    apply_identity_hashes(person, identity)


def apply_identity_hashes(person: Person, identity: Identity) -> None:
    """The blind indexes of an identity (exact lookups and duplicate checks)."""
    person.nik_hash = nik_hash(identity.nik)
    person.name_dob_hash = name_dob_hash(identity.full_name, identity.birth_date)
    person.phone_hash = blind_index("phone", normalise_phone(identity.phone)) if identity.phone else ""


def replace_name_tokens(person: Person, identity: Identity) -> None:
    NameToken.objects.filter(person=person).delete()
    NameToken.objects.bulk_create(
        [
            NameToken(person=person, token_hash=h, is_alias=alias)
            for h, alias in name_token_hashes(identity.full_name, identity.aliases)
        ]
    )


# --- Validation ----------------------------------------------------------------------------


def validate_identity(identity: Identity, attrs: PersonAttributes, *, today: dt.date | None = None) -> list[str]:
    """Raise ValidationError for what cannot be saved; return warnings for what should be checked."""
    today = today or dt.date.today()
    errors: dict[str, list[str]] = {}
    if not identity.full_name.strip():
        errors["full_name"] = [_("Nama wajib diisi (boleh nama panggilan bila nama lengkap tidak diketahui).")]
    if identity.birth_date and identity.birth_date > today:
        errors["birth_date"] = [_("Tanggal lahir tidak boleh di masa depan.")]
    elif identity.birth_date and identity.birth_date.year < today.year - 100:
        errors["birth_date"] = [_("Tanggal lahir lebih dari 100 tahun lalu; periksa kembali.")]
    if attrs.birth_year and not (today.year - 100 <= attrs.birth_year <= today.year):
        errors["birth_year"] = [_("Tahun lahir tidak masuk akal.")]
    unknown = set(attrs.trafficking_indicators) - INDICATOR_CODES
    if unknown:
        errors["trafficking_indicators"] = [_("Indikator tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)}]
    nik = check_nik(
        identity.nik,
        stated_birth_date=identity.birth_date,
        stated_sex=attrs.sex or None,
        stated_regency_code=attrs.origin_regency,
        today=today,
    )
    if nik.errors:
        errors["nik"] = nik.errors
    if identity.kk_number and len("".join(c for c in identity.kk_number if c.isdigit())) != 16:
        errors["kk_number"] = [_("Nomor KK harus 16 digit angka.")]
    if errors:
        raise ValidationError(errors)
    if nik.nik:
        identity.nik = nik.nik
    return nik.warnings


def _fill_from_nik(identity: Identity, attrs: PersonAttributes) -> None:
    """Derive clear attributes the person did not state: birth year and sex from the birth date/NIK."""
    nik = check_nik(identity.nik) if identity.nik else None
    if identity.birth_date and not attrs.birth_year:
        attrs.birth_year = identity.birth_date.year
    if nik and nik.valid:
        if not attrs.birth_year and nik.birth_date:
            attrs.birth_year = nik.birth_date.year
        if not attrs.sex and nik.sex:
            attrs.sex = nik.sex
    if attrs.origin_regency and not attrs.origin_province:
        attrs.origin_province = attrs.origin_regency[:2]


def effective_birth_date(identity: Identity) -> dt.date | None:
    if identity.birth_date:
        return identity.birth_date
    nik = check_nik(identity.nik) if identity.nik else None
    return nik.birth_date if nik and nik.valid else None


# --- Case codes ----------------------------------------------------------------------------


def next_case_code(site: Site) -> str:
    """ "5371-KD-0042": kabupaten/kota digits, site code, a per-site counter. Nothing from identity.
    Locks the site row so two registrars never get the same number."""
    locked = Site.objects.select_for_update().get(pk=site.pk)
    number = locked.next_case_number
    locked.next_case_number = number + 1
    locked.save(update_fields=["next_case_number"])
    return f"{locked.regency_code.replace('.', '')}-{locked.short_code}-{number:04d}"


def reserve_case_codes(site: Site, count: int) -> list[str]:
    """A block of case codes for a bulk import, with one lock."""
    locked = Site.objects.select_for_update().get(pk=site.pk)
    start = locked.next_case_number
    locked.next_case_number = start + count
    locked.save(update_fields=["next_case_number"])
    prefix = f"{locked.regency_code.replace('.', '')}-{locked.short_code}"
    return [f"{prefix}-{n:04d}" for n in range(start, start + count)]


# --- Registering -----------------------------------------------------------------------------


def build_person(
    *, site: Site, identity: Identity, attrs: PersonAttributes, actor, case_code: str, today: dt.date | None = None
) -> Person:
    """An unsaved Person with every derived field set (shared by the form and the bulk import)."""
    _fill_from_nik(identity, attrs)
    person = Person(
        case_code=case_code,
        sex=attrs.sex,
        birth_year=attrs.birth_year,
        origin_province_id=attrs.origin_province,
        origin_regency_id=attrs.origin_regency,
        education=attrs.education or "unknown",
        marital_status=attrs.marital_status or "unknown",
        dependent_children=attrs.dependent_children,
        legal_basis=attrs.legal_basis or LegalBasis.PUBLIC_TASK,
        share_consent=attrs.share_consent,
        trafficking_indicators=sorted(set(attrs.trafficking_indicators)),
        trafficking_flag=trafficking_flagged(attrs.trafficking_indicators),
        is_child=is_child(effective_birth_date(identity), today=today),
        registered_site=site,
        scope_region_code=site.region_id,
        registered_by=actor,
    )
    _apply_identity(person, identity)
    return person


def raise_safeguarding_alerts(person: Person, *, actor) -> list[SafeguardingAlert]:
    """Raise the alerts the person's flags call for, unless one of that kind is still open."""
    open_kinds = set(
        SafeguardingAlert.objects.filter(person=person, acknowledged_at__isnull=True).values_list("kind", flat=True)
    )
    created = [alert for alert in new_person_alerts(person, actor=actor) if alert.kind not in open_kinds]
    return SafeguardingAlert.objects.bulk_create(created)


@transaction.atomic
def person_register(
    *, actor, site: Site, identity: Identity, attrs: PersonAttributes, request=None, consent_on: dt.date | None = None
) -> tuple[Person, list[str]]:
    """Register one person at a site. Returns the person and the warnings to show."""
    if not policy.can_register_people_at(actor, site):
        raise PermissionDenied
    warnings = validate_identity(identity, attrs)
    person = build_person(site=site, identity=identity, attrs=attrs, actor=actor, case_code=next_case_code(site))
    person.save()
    replace_name_tokens(person, identity)
    _initial_consent(person, attrs, actor=actor, on=consent_on or timezone.localdate())
    raise_safeguarding_alerts(person, actor=actor)
    audit_record(Action.CREATE, request=request, actor=actor, obj=person, detail={"site": site.pk})
    warnings += _probable_match_warnings(person, actor=actor)
    return person, warnings


PROBABLE_CODES_SHOWN = 5


def _probable_match_warnings(person: Person, *, actor) -> list[str]:
    """People in the actor's scope the new person probably is (the matching engine, not only an
    equal NIK or name and birth date): each pair goes to the review queue, and the warning names
    their case codes and scores, never an identity."""
    from matching.services import propose_for_new_person  # matching builds on this module

    matches = propose_for_new_person(person, actor=actor)
    if not matches:
        return []
    shown = ", ".join(
        _("%(code)s (skor %(percent)s%%)") % {"code": m.person.case_code, "percent": m.percent}
        for m in matches[:PROBABLE_CODES_SHOWN]
    )
    if len(matches) > PROBABLE_CODES_SHOWN:
        shown += " " + _("dan %(n)s lainnya") % {"n": len(matches) - PROBABLE_CODES_SHOWN}
    return [_("Mungkin orang yang sama dengan %(matches)s. Periksa di antrean pencocokan.") % {"matches": shown}]


def _initial_consent(person: Person, attrs: PersonAttributes, *, actor, on: dt.date) -> None:
    ConsentRecord.objects.bulk_create(initial_consent_records(person, attrs, actor=actor, on=on))


@transaction.atomic
def person_update_identity(*, actor, person: Person, identity: Identity, request=None) -> list[str]:
    if not policy.can_view_identity(actor, person) or not policy.has_perm(actor, policy.Perm.PEOPLE_REGISTER):
        raise PermissionDenied
    attrs = PersonAttributes(sex=person.sex, origin_regency=person.origin_regency_id)
    warnings = validate_identity(identity, attrs)
    before = unseal(person.identity_ciphertext)
    _apply_identity(person, identity)
    person.is_child = is_child(effective_birth_date(identity))
    person.save(
        update_fields=["identity_ciphertext", "nik_hash", "name_dob_hash", "phone_hash", "is_child", "updated_at"]
    )
    replace_name_tokens(person, identity)
    raise_safeguarding_alerts(person, actor=actor)
    changed = sorted(k for k in vars(identity) if getattr(identity, k) != getattr(before, k))
    audit_record(Action.UPDATE, request=request, actor=actor, obj=person, detail={"identity_fields": changed})
    return warnings


@transaction.atomic
def consent_record(
    *,
    actor,
    person: Person,
    kind: str,
    given: bool | None,
    on: dt.date,
    legal_basis: str = "",
    by_guardian: bool = False,
    note: str = "",
    request=None,
) -> ConsentRecord:
    if not policy.has_perm(actor, policy.Perm.PEOPLE_REGISTER) or not policy.in_region_scope(
        actor, person.scope_region_code
    ):
        raise PermissionDenied
    if on > timezone.localdate():
        raise ValidationError({"recorded_on": [_("Tanggal tidak boleh di masa depan.")]})
    if person.is_child and given and not by_guardian:
        raise ValidationError({"by_guardian": [_("Persetujuan untuk anak harus diberikan oleh wali.")]})
    record = ConsentRecord.objects.create(
        person=person,
        kind=kind,
        given=given,
        recorded_on=on,
        note=note,
        legal_basis=legal_basis,
        by_guardian=by_guardian,
        recorded_by=actor,
    )
    if kind == ConsentKind.SHARE_WITH_PARTNERS:
        person.share_consent = given
        person.save(update_fields=["share_consent", "updated_at"])
    elif legal_basis:
        person.legal_basis = legal_basis
        person.save(update_fields=["legal_basis", "updated_at"])
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=person,
        detail={"consent": kind, "given": given, "legal_basis": legal_basis},
    )
    return record


@transaction.atomic
def consent_withdraw(*, actor, person: Person, on: dt.date, note: str = "", request=None) -> ConsentRecord:
    """Withdrawal of consent to share: recorded as a new row, the earlier ones stay as proof."""
    record = consent_record(
        actor=actor,
        person=person,
        kind=ConsentKind.SHARE_WITH_PARTNERS,
        given=False,
        on=on,
        note=note or _("Persetujuan ditarik"),
        request=request,
    )
    ConsentRecord.objects.filter(pk=record.pk).update(withdrawn_on=on)
    return record


@transaction.atomic
def alert_acknowledge(*, actor, alert: SafeguardingAlert, request=None) -> SafeguardingAlert:
    if not policy.has_perm(actor, policy.Perm.ALERTS_VIEW) or not policy.in_region_scope(
        actor, alert.scope_region_code
    ):
        raise PermissionDenied
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(Action.UPDATE, request=request, actor=actor, obj=alert.person, detail={"alert": alert.kind})
    return alert


# --- Clear attributes ------------------------------------------------------------------------

# What the attribute form may change. Legal basis and consent change through consent_record.
ATTRIBUTE_FIELDS = (
    "sex",
    "birth_year",
    "origin_province",
    "origin_regency",
    "education",
    "marital_status",
    "dependent_children",
    "trafficking_indicators",
)


@transaction.atomic
def person_update_attributes(
    *,
    actor,
    person: Person,
    sex: str = "",
    birth_year: int | None = None,
    origin_province: str | None = None,
    origin_regency: str | None = None,
    education: str = "unknown",
    marital_status: str = "unknown",
    dependent_children: int | None = None,
    trafficking_indicators: list[str] | None = None,
    request=None,
    today: dt.date | None = None,
) -> list[str]:
    """Change the non-identifying attributes. Returns the names of the fields that changed.

    ``trafficking_indicators=None`` leaves them as they are. ``is_child`` is not set here: it
    follows the birth date, which is identity (``person_update_identity``)."""
    if not policy.has_perm(actor, policy.Perm.PEOPLE_REGISTER) or not policy.in_region_scope(
        actor, person.scope_region_code
    ):
        raise PermissionDenied
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if birth_year and not (today.year - 100 <= birth_year <= today.year):
        errors["birth_year"] = [_("Tahun lahir tidak masuk akal.")]
    if dependent_children is not None and dependent_children > 30:
        errors["dependent_children"] = [_("Jumlah anak tanggungan tidak masuk akal.")]
    if origin_regency and origin_province and origin_regency[:2] != origin_province:
        errors["origin_regency"] = [_("Kabupaten/kota asal tidak berada di provinsi asal.")]
    if trafficking_indicators is not None:
        unknown = set(trafficking_indicators) - INDICATOR_CODES
        if unknown:
            errors["trafficking_indicators"] = [
                _("Indikator tidak dikenal: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
            ]
    if errors:
        raise ValidationError(errors)

    values = {
        "sex": sex or "",
        "birth_year": birth_year or None,
        "origin_province_id": origin_province or (origin_regency[:2] if origin_regency else None),
        "origin_regency_id": origin_regency or None,
        "education": education or "unknown",
        "marital_status": marital_status or "unknown",
        "dependent_children": dependent_children,
    }
    if trafficking_indicators is not None:
        values["trafficking_indicators"] = sorted(set(trafficking_indicators))
        values["trafficking_flag"] = trafficking_flagged(trafficking_indicators)
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(person, name, values[name])
    person.save(update_fields=[*changed, "updated_at"])
    if "trafficking_flag" in changed:
        raise_safeguarding_alerts(person, actor=actor)
    # Field names only: the values are statistics, but the log is not the place for them.
    labels = sorted({name.removesuffix("_id") for name in changed})
    audit_record(Action.UPDATE, request=request, actor=actor, obj=person, detail={"fields": labels})
    return labels


# --- Bulk registration (census import) --------------------------------------------------------
# Unsaved objects for people created with bulk_create, so an import of thousands of rows needs a
# handful of queries. They follow _initial_consent and raise_safeguarding_alerts for one person.


def initial_consent_records(person: Person, attrs: PersonAttributes, *, actor, on: dt.date) -> list[ConsentRecord]:
    """The consent history a newly registered person starts with (unsaved)."""
    records = [
        ConsentRecord(
            person=person,
            kind=ConsentKind.PROCESSING,
            legal_basis=person.legal_basis,
            given=True if person.legal_basis == LegalBasis.CONSENT else None,
            recorded_on=on,
            recorded_by=actor,
            by_guardian=person.is_child,
        )
    ]
    if attrs.share_consent is not None:
        records.append(
            ConsentRecord(
                person=person,
                kind=ConsentKind.SHARE_WITH_PARTNERS,
                given=attrs.share_consent,
                recorded_on=on,
                recorded_by=actor,
                by_guardian=person.is_child,
            )
        )
    return records


def new_person_alerts(person: Person, *, actor) -> list[SafeguardingAlert]:
    """The child/trafficking alerts the person's flags call for (unsaved). A newly registered
    person has no open alert yet, so the bulk import uses this without checking the database."""
    wanted = []
    if person.is_child:
        wanted.append((AlertKind.CHILD, _("Berusia di bawah 18 tahun: rujuk ke perlindungan anak.")))
    if person.trafficking_flag:
        wanted.append(
            (AlertKind.TRAFFICKING, _("Indikator TPPO dicentang: %(n)s.") % {"n": len(person.trafficking_indicators)})
        )
    return [
        SafeguardingAlert(
            person=person, kind=kind, reason=reason, raised_by=actor, scope_region_code=person.scope_region_code
        )
        for kind, reason in wanted
    ]
