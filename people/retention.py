"""End of retention: a person's identity is removed, the statistics stay (UU PDP Pasal 43–45).

Anonymising keeps every row that a count is made of — the person's clear attributes (sex, birth
year, origin, flags), census entries, cases with their stages and pathways, services, referrals,
repatriations, enrolments, follow-up outcomes — so a census round, a report or a programme's
progress counts exactly the same before and after. What goes is what can point at her: the
sealed identity (replaced by an empty one, so ``reveal`` returns nothing), the blind indexes and
name tokens (no search or duplicate check finds her again), the encrypted narratives and every
free text a worker typed about her, her parsed rows in pending census imports, training
certificate numbers (the provider's register links them to a name), and the NIK blind index kept
on her assistance entitlements.

``anonymise_expired`` (the daily command) and a data subject's deletion request
(``people.subject_requests``) use the same ``anonymise_person``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from assistance.duplicates import identity_key
from assistance.models import Entitlement, EntitlementStatus
from audit.models import Action
from audit.services import audit_record
from cases import models as case_models
from census.models import CensusEntry, ImportRow
from training.models import Enrolment

from .identity import Identity, seal
from .models import ConsentRecord, NameToken, Person, SubjectRequest

# UU PDP (Pasal 43–45) requires deletion when the retention period ends but sets no number of
# years: the office's records retention schedule (Jadwal Retensi Arsip) does, so each deployment
# sets PULIH_RETENTION_DAYS. The default, five years after the last case closed, lies well past the
# last follow-up visit (12 months) and leaves time for the audit of the assistance paid.
DEFAULT_RETENTION_DAYS = 5 * 365

# Reasons recorded in the audit event of each anonymisation.
REASON_RETENTION = "retention"
REASON_SUBJECT_REQUEST = "subject_request"

BATCH = 200


def retention_days() -> int:
    return int(getattr(settings, "PULIH_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def retention_cutoff(today: dt.date | None = None) -> dt.date:
    """Cases closed before this day, and people registered before it, are past retention."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=retention_days())


# --- Holds that keep a record identifiable --------------------------------------------------------


def pending_referrals() -> QuerySet:
    """Referrals or transfers still waiting for the receiver's answer, per person (subquery)."""
    return case_models.Referral.objects.filter(case__person=OuterRef("pk"), status=case_models.ReferralStatus.PENDING)


def open_entitlement_people() -> QuerySet:
    """Person ids with an entitlement not yet paid nor ended, as a subquery: she is still owed
    money, and the payment must be made to someone who can be identified."""
    return Entitlement.objects.filter(status__in=(EntitlementStatus.PROPOSED, EntitlementStatus.APPROVED)).values(
        "person_id"
    )


def expired_people(today: dt.date | None = None) -> QuerySet[Person]:
    """People whose retention period has ended, computed in the database:

    - every case closed before the cutoff (no open case, none closed since), or no case at all and
      registered before the cutoff;
    - and counted in no census round held since the cutoff (a recent count means she is still in
      the programme), no pending referral, no open entitlement.
    """
    cutoff = retention_cutoff(today)
    cutoff_at = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    cases = case_models.Case.objects.filter(person=OuterRef("pk"))
    live_case = cases.filter(
        Q(status=case_models.CaseStatus.OPEN) | Q(closed_on__isnull=True) | Q(closed_on__gte=cutoff)
    )
    recent_count = CensusEntry.objects.filter(person=OuterRef("pk"), round__held_on__gte=cutoff)
    qs = (
        Person.objects.filter(anonymised_at__isnull=True)
        .filter(Exists(cases) | Q(registered_at__lt=cutoff_at))
        .exclude(Exists(live_case))
        .exclude(Exists(recent_count))
        .exclude(Exists(pending_referrals()))
    )
    return qs.exclude(pk__in=open_entitlement_people())


# --- Anonymising ----------------------------------------------------------------------------------


def _scrub(person: Person, *, now: dt.datetime) -> None:
    """Remove everything identifying about one person (the row is locked by the caller)."""
    old_hashes = Q()
    if person.nik_hash:
        old_hashes |= Q(nik_hash=person.nik_hash)
    if person.name_dob_hash:
        old_hashes |= Q(name_dob_hash=person.name_dob_hash)

    Person.objects.filter(pk=person.pk).update(
        identity_ciphertext=seal(Identity()),
        nik_hash="",
        name_dob_hash="",
        phone_hash="",
        anonymised_at=now,
        updated_at=now,
    )
    NameToken.objects.filter(person=person).delete()
    ConsentRecord.objects.filter(person=person).exclude(note="").update(note="")
    SubjectRequest.objects.filter(person=person).update(note="", answer_note="")

    # Case files: encrypted narratives and free text go; stages, pathways, dates, outcomes stay.
    on_cases = {"case__person": person}
    case_models.Assessment.objects.filter(**on_cases).exclude(narrative_ciphertext="").update(narrative_ciphertext="")
    case_models.FollowUp.objects.filter(**on_cases).exclude(note_ciphertext="").update(note_ciphertext="")
    case_models.CaseNote.objects.filter(**on_cases).exclude(text_ciphertext="").update(text_ciphertext="")
    case_models.CasePlan.objects.filter(**on_cases).exclude(goals="").update(goals="")
    case_models.Service.objects.filter(**on_cases).exclude(outcome="").update(outcome="")
    case_models.Referral.objects.filter(**on_cases).update(reason="", override_reason="", decline_reason="")
    Enrolment.objects.filter(**on_cases).exclude(certificate_number="").update(certificate_number="")

    # The entitlement's identity key is her NIK's blind index: replaced by the per-person key the
    # assistance app uses when no NIK is known. Amounts, dates and receipts stay (audit).
    Entitlement.objects.filter(person=person).update(identity_key=identity_key(person.pk, ""))

    # Parsed rows of census files not yet applied or cancelled that are about her.
    rows = Q(duplicate_of=person) | old_hashes
    ImportRow.objects.filter(rows).update(data_ciphertext="", nik_hash="", name_dob_hash="")


def anonymise_person(person: Person, *, actor=None, request=None, reason: str) -> bool:
    """Anonymise one person now (the caller has checked that it is allowed). False if she was
    anonymised already. One audit event per person: the proof of when and why."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().filter(pk=person.pk, anonymised_at__isnull=True).first()
        if locked is None:
            return False
        now = timezone.now()
        _scrub(locked, now=now)
        audit_record(
            Action.UPDATE, request=request, actor=actor, obj=locked, detail={"anonymised": True, "reason": reason}
        )
    person.refresh_from_db()
    return True


def anonymise_batch(pks: Iterable[int], *, today: dt.date | None = None) -> int:
    """Anonymise those of ``pks`` still past retention, in one transaction. The rule is checked
    again under the row locks, so a case reopened since the list was read is left alone."""
    done = 0
    with transaction.atomic():
        people = list(expired_people(today).filter(pk__in=list(pks)).select_for_update().order_by("pk"))
        now = timezone.now()
        for person in people:
            _scrub(person, now=now)
            audit_record(Action.UPDATE, obj=person, detail={"anonymised": True, "reason": REASON_RETENTION})
            done += 1
    return done


def anonymise_expired(*, today: dt.date | None = None, dry_run: bool = False, batch: int = BATCH) -> int:
    """Anonymise everyone past retention (or count them, ``dry_run``). Safe to run daily: people
    already anonymised are not selected again, so a second run does nothing."""
    qs = expired_people(today).order_by("pk").values_list("pk", flat=True)
    if dry_run:
        return qs.count()
    done = 0
    last_pk = 0
    while True:
        # Keyset pagination: constant memory, short transactions, no OFFSET over a shrinking set.
        pks = list(qs.filter(pk__gt=last_pk)[:batch])
        if not pks:
            return done
        done += anonymise_batch(pks, today=today)
        last_pk = pks[-1]
