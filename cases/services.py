"""Opening cases and the rules every case change follows. More case rules join this module
(assessment, plan, services); referrals, repatriation and training have their own apps."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record

from .models import Case, CaseNote, CaseStatus


class CaseConflict(Exception):
    """Someone else saved the case since this user opened it (optimistic locking)."""

    def __init__(self, current: Case):
        super().__init__("case changed")
        self.current = current


def next_case_number(person) -> str:
    count = Case.objects.filter(person=person).count()
    return f"{person.case_code}/{count + 1}"


@transaction.atomic
def case_open(
    *,
    actor,
    person,
    responsible_organisation,
    site=None,
    opened_on: dt.date | None = None,
    case_worker=None,
    supervisor=None,
    request=None,
) -> Case:
    if not policy.can_open_case_for(actor, person):
        raise PermissionDenied
    if Case.objects.filter(person=person, status=CaseStatus.OPEN).exists():
        raise ValidationError(_("Orang ini sudah memiliki kasus aktif."))
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": [_("Tanggal dibuka tidak boleh di masa depan.")]})
    case = Case.objects.create(
        person=person,
        site=site or person.registered_site,
        number=next_case_number(person),
        responsible_organisation=responsible_organisation,
        scope_region_code=responsible_organisation.region_id,
        case_worker=case_worker,
        supervisor=supervisor,
        opened_on=opened_on,
        created_by=actor,
    )
    note(case, actor=actor, kind="opened", summary=_("Kasus dibuka"))
    audit_record(Action.CREATE, request=request, actor=actor, obj=case)
    return case


def note(case: Case, *, actor, kind: str, summary: str, text_ciphertext: str = "") -> CaseNote:
    """One line of case history. ``summary`` must not contain identity (it is shown in lists)."""
    return CaseNote.objects.create(
        case=case, kind=kind, summary=summary[:300], text_ciphertext=text_ciphertext, created_by=actor
    )


def save_with_version(case: Case, *, expected_version: int, fields: list[str]) -> Case:
    """Save ``fields`` only if nobody changed the case since ``expected_version`` was read.
    Raises CaseConflict with the current row otherwise (the caller shows both versions)."""
    values = {f: getattr(case, f) for f in fields}
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise CaseConflict(Case.objects.get(pk=case.pk))
    case.version = expected_version + 1
    return case
