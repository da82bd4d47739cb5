"""Census rounds: opening, counting people in and out, closing. Rules live here, not in views."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record
from people.models import Person

from .models import CensusEntry, CensusRound, EntrySource, RoundKind, RoundStatus


@transaction.atomic
def round_create(*, actor, site, kind: str, held_on: dt.date, name: str = "", note: str = "", request=None):
    if not policy.can_manage_census(actor, site):
        raise PermissionDenied
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = [_("Tanggal pendataan tidak boleh di masa depan.")]
    if kind == RoundKind.OTHER and not name.strip():
        errors["name"] = [_("Beri nama untuk putaran jenis Lainnya.")]
    if errors:
        raise ValidationError(errors)
    census_round = CensusRound.objects.create(
        site=site, kind=kind, name=name.strip() or RoundKind(kind).label, held_on=held_on, note=note, created_by=actor
    )
    audit_record(Action.CREATE, request=request, actor=actor, obj=census_round)
    return census_round


def _require_open(census_round: CensusRound, actor) -> None:
    if not policy.can_manage_census(actor, census_round.site):
        raise PermissionDenied
    if census_round.status != RoundStatus.OPEN:
        raise ValidationError(_("Putaran ini sudah selesai; buka kembali untuk mengubah daftar hadir."))


@transaction.atomic
def round_add_people(*, actor, census_round: CensusRound, people, source: str = EntrySource.FORM, request=None) -> int:
    """Count people present in the round. People already counted are skipped. Returns how many were added."""
    _require_open(census_round, actor)
    people = list(people)
    outside = [p.case_code for p in people if not policy.in_region_scope(actor, p.scope_region_code)]
    if outside:
        raise PermissionDenied
    already = set(CensusEntry.objects.filter(round=census_round, person__in=people).values_list("person_id", flat=True))
    new = [
        CensusEntry(round=census_round, person=p, source=source, recorded_by=actor)
        for p in {p.pk: p for p in people}.values()
        if p.pk not in already
    ]
    CensusEntry.objects.bulk_create(new)
    if new:
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=census_round,
            detail={"added": len(new), "source": source},
        )
    return len(new)


@transaction.atomic
def round_remove_person(*, actor, census_round: CensusRound, person: Person, request=None) -> None:
    _require_open(census_round, actor)
    deleted, _rows = CensusEntry.objects.filter(round=census_round, person=person).delete()
    if deleted:
        audit_record(
            Action.UPDATE, request=request, actor=actor, obj=census_round, detail={"removed": person.case_code}
        )


@transaction.atomic
def round_set_status(*, actor, census_round: CensusRound, status: str, request=None) -> CensusRound:
    if not policy.can_manage_census(actor, census_round.site):
        raise PermissionDenied
    census_round.status = status
    census_round.closed_at = timezone.now() if status == RoundStatus.CLOSED else None
    census_round.save(update_fields=["status", "closed_at"])
    audit_record(Action.UPDATE, request=request, actor=actor, obj=census_round, detail={"status": status})
    return census_round


@transaction.atomic
def round_add_case_codes(*, actor, census_round: CensusRound, case_codes: list[str], request=None) -> int:
    """Count already-registered people present, by case code. All or nothing: if any code is not a
    person in the actor's scope, nothing is added and the error lists those codes. A person outside
    the scope is reported like an unknown code, so the error does not reveal that the record exists."""
    _require_open(census_round, actor)
    found = {
        person.case_code: person
        for person in policy.scope_people(actor, Person.objects.filter(case_code__in=case_codes))
    }
    unknown = [code for code in case_codes if code not in found]
    if unknown:
        message = _("Kode kasus tidak ditemukan di wilayah Anda: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ValidationError({"case_codes": [message]})
    return round_add_people(actor=actor, census_round=census_round, people=found.values(), request=request)


@transaction.atomic
def round_carry_over(*, actor, census_round: CensusRound, request=None) -> int:
    """Count everyone present in the site's previous round as present in this one (a verification
    round where most people are still there); the officer then removes who has left.
    Returns how many were added."""
    _require_open(census_round, actor)
    previous = census_round.previous()
    if previous is None:
        raise ValidationError(_("Belum ada putaran sebelumnya di lokalisasi ini."))
    # People outside the actor's scope (registered elsewhere) are left for an officer who may see them.
    people = Person.objects.filter(census_entries__round=previous).filter(
        policy.region_scope_q(actor, "scope_region_code")
    )
    return round_add_people(actor=actor, census_round=census_round, people=people, request=request)
