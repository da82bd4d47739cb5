"""Trips, the people on them, handovers and their acknowledgement.

Every write checks the policy, validates, saves and writes an audit event. A case is never moved
here: a transfer of responsibility to the receiving Dinsos is a referral (``cases.referrals``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Perm
from audit.models import Action
from audit.services import audit_record
from cases.models import Case, CaseStatus, Pathway
from organisations.models import Organisation, OrgKind

from . import rules
from .models import Handover, Mode, Repatriation, RepatriationStatus, Trip, TripStatus

# Organisations that may organise a trip: the sending Dinas Sosial.
ORGANISER_KINDS = (OrgKind.DINSOS_KABKOTA, OrgKind.DINSOS_PROVINSI)
TRIP_FIELDS = ("organiser", "programme", "departure_on", "mode", "route", "escort", "note")
ACTIVE = (RepatriationStatus.PLANNED, RepatriationStatus.TRAVELLING, RepatriationStatus.HANDED_OVER)


def _require_manage(actor, trip: Trip) -> None:
    if not policy.can_manage_trip(actor, trip):
        raise PermissionDenied


# --- Trips -------------------------------------------------------------------------------------


def _validate_trip(actor, trip: Trip) -> None:
    errors: dict[str, list[str]] = {}
    trip.route = " ".join((trip.route or "").split())
    if not trip.route:
        errors["route"] = [_("Tuliskan rute perjalanan.")]
    if trip.organiser_id is None:
        errors["organiser"] = [_("Pilih penyelenggara.")]
    else:
        organiser = trip.organiser
        if organiser.kind not in ORGANISER_KINDS:
            errors["organiser"] = [_("Penyelenggara pemulangan harus Dinas Sosial.")]
        elif not policy.in_region_scope(actor, organiser.region_id):
            errors["organiser"] = [_("Penyelenggara ini di luar cakupan wilayah Anda.")]
    if trip.programme_id is not None and not policy.in_region_scope(actor, trip.programme.region_id):
        errors["programme"] = [_("Program ini di luar cakupan wilayah Anda.")]
    if trip.departure_on is None:
        errors["departure_on"] = [_("Isi tanggal berangkat.")]
    elif trip.escort_id is not None:
        refusal = rules.escort_refusal(trip.escort, trip.departure_on)
        if refusal:
            errors["escort"] = [refusal]
    if trip.mode not in Mode.values:
        errors["mode"] = [_("Pilih moda perjalanan.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trip_create(
    *,
    actor,
    organiser: Organisation,
    departure_on: dt.date,
    mode: str,
    route: str,
    escort: Organisation | None = None,
    programme=None,
    note: str = "",
    request=None,
) -> Trip:
    if not policy.has_perm(actor, Perm.REPATRIATION_MANAGE):
        raise PermissionDenied
    trip = Trip(
        organiser=organiser,
        programme=programme,
        departure_on=departure_on,
        mode=mode,
        route=route,
        escort=escort,
        note=(note or "").strip(),
        created_by=actor,
    )
    _validate_trip(actor, trip)
    trip.scope_region_code = organiser.region_id
    trip.save()
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=trip,
        detail={"mode": mode, "departure_on": departure_on.isoformat(), "escort": escort.name if escort else ""},
    )
    return trip


# Status changes and what they do to the people on the trip.
STATUS_EFFECTS = {
    TripStatus.DEPARTED: ({RepatriationStatus.PLANNED}, RepatriationStatus.TRAVELLING),
    TripStatus.PLANNED: ({RepatriationStatus.TRAVELLING}, RepatriationStatus.PLANNED),
    TripStatus.CANCELLED: ({RepatriationStatus.PLANNED, RepatriationStatus.TRAVELLING}, RepatriationStatus.CANCELLED),
}


def _stored(trip: Trip, name: str):
    """The value as stored (ids for relations), to tell what an edit changed."""
    return getattr(trip, f"{name}_id" if name in ("organiser", "programme", "escort") else name)


@transaction.atomic
def trip_update(*, actor, trip: Trip, status: str | None = None, request=None, **fields) -> Trip:
    unknown = set(fields) - set(TRIP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown trip fields: {sorted(unknown)}")
    _require_manage(actor, trip)
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if trip.status == TripStatus.CANCELLED:
        raise ValidationError(_("Perjalanan ini sudah dibatalkan dan tidak dapat diubah."))
    before = {name: _stored(trip, name) for name in fields}
    for name, value in fields.items():
        setattr(trip, name, (value or "").strip() if name == "note" else value)
    _validate_trip(actor, trip)
    errors: dict[str, list[str]] = {}
    if status and status != trip.status:
        if status not in TripStatus.values:
            errors["status"] = [_("Status tidak dikenal.")]
        elif status == TripStatus.CANCELLED and trip.handovers.exists():
            errors["status"] = [_("Perjalanan yang sudah ada serah terimanya tidak dapat dibatalkan.")]
        elif status == TripStatus.PLANNED and trip.handovers.exists():
            errors["status"] = [_("Sudah ada serah terima: perjalanan tidak dapat kembali ke rencana.")]
    if errors:
        raise ValidationError(errors)
    trip.scope_region_code = trip.organiser.region_id
    changed = {name: str(_stored(trip, name)) for name in fields if _stored(trip, name) != before[name]}
    if status and status != trip.status:
        changed["status"] = status
        effect = STATUS_EFFECTS.get(status)
        if effect:
            from_statuses, to_status = effect
            trip.repatriations.filter(status__in=from_statuses).update(status=to_status)
        trip.status = status
    trip.save()
    # The people on the trip stay in the organiser's scope.
    trip.repatriations.exclude(scope_region_code=trip.scope_region_code).update(
        scope_region_code=trip.scope_region_code
    )
    if changed:
        audit_record(Action.UPDATE, request=request, actor=actor, obj=trip, detail={"changed": changed})
    return trip


# --- People on a trip ----------------------------------------------------------------------------


@dataclass
class AddResult:
    added: list[Repatriation] = field(default_factory=list)
    # Kabupaten/kota codes whose Dinsos is not registered yet: nobody to hand these people to.
    without_receiver: list[str] = field(default_factory=list)


def eligible_cases_q():
    """Open cases on the repatriation pathway without an active repatriation."""
    from django.db.models import Exists, OuterRef

    active = Repatriation.objects.filter(case=OuterRef("pk")).exclude(status=RepatriationStatus.CANCELLED)
    return Case.objects.filter(status=CaseStatus.OPEN, pathway=Pathway.REPATRIATION).exclude(Exists(active))


@transaction.atomic
def repatriations_add(*, actor, trip: Trip, cases, cost, destination=None, request=None) -> AddResult:
    """Put ``cases`` on ``trip``, each with the same cost per person. The destination is the
    person's kabupaten/kota of origin unless ``destination`` is given (she goes to family
    elsewhere); the receiving organisation is that kabupaten/kota's Dinsos, when registered."""
    _require_manage(actor, trip)
    # The stored status decides (the trip may have departed since the caller read it).
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if trip.status != TripStatus.PLANNED:
        raise ValidationError(_("Orang hanya dapat ditambahkan ke perjalanan yang masih direncanakan."))
    errors: dict[str, list[str]] = {}
    try:
        cost = rules.parse_cost(cost)
    except ValidationError as exc:
        errors["cost"] = exc.messages
    cases = list(cases)
    if not cases:
        errors["cases"] = [_("Pilih minimal satu orang.")]
    if destination is not None and not rules.regency_code(destination.code):
        errors["destination"] = [_("Pilih kabupaten/kota, kecamatan, atau desa/kelurahan tujuan.")]
    eligible = set(eligible_cases_q().filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
    refused = [c.number for c in cases if c.pk not in eligible or not policy.can_manage_case(actor, c)]
    if refused:
        errors.setdefault("cases", []).append(
            _(
                "Tidak dapat ditambahkan (bukan kasus aktif berjalur pemulangan di wilayah Anda, "
                "atau sudah ada di perjalanan lain): %(codes)s"
            )
            % {"codes": ", ".join(refused)}
        )
    without_origin = []
    if destination is None:
        without_origin = [c.number for c in cases if not rules.regency_code(c.person.origin_regency_id)]
        if without_origin:
            errors["destination"] = [
                _("Daerah asal belum tercatat untuk %(codes)s: pilih daerah tujuan.")
                % {"codes": ", ".join(without_origin)}
            ]
    if errors:
        raise ValidationError(errors)

    targets = {c.pk: (destination.code if destination is not None else c.person.origin_regency_id) for c in cases}
    receivers = rules.receiving_dinsos(rules.regency_code(code) for code in targets.values())
    result = AddResult()
    for case in cases:
        code = targets[case.pk]
        regency = rules.regency_code(code)
        repatriation = Repatriation(
            case=case,
            trip=trip,
            destination_id=code,
            destination_regency_code=regency,
            receiving_organisation=receivers.get(regency),
            cost=cost,
            scope_region_code=trip.scope_region_code,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                repatriation.save()
        except IntegrityError as exc:
            # Someone put the same person on a trip a moment ago.
            raise ValidationError(
                {"cases": [_("%(code)s baru saja ditambahkan ke perjalanan lain.") % {"code": case.number}]}
            ) from exc
        result.added.append(repatriation)
        if regency not in receivers and regency not in result.without_receiver:
            result.without_receiver.append(regency)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=trip,
        detail={
            "added": [c.number for c in cases],
            "cost": str(cost),
            "destination": destination.code if destination is not None else "origin",
        },
    )
    return result


@transaction.atomic
def repatriation_cancel(*, actor, repatriation: Repatriation, request=None) -> Repatriation:
    """Take a person off a trip (she stays, or goes later): the case is free for another trip."""
    trip = repatriation.trip
    if trip is None:
        raise PermissionDenied
    _require_manage(actor, trip)
    repatriation = Repatriation.objects.select_for_update().get(pk=repatriation.pk)
    if repatriation.status == RepatriationStatus.CANCELLED:
        raise ValidationError(_("%(code)s sudah dikeluarkan dari perjalanan ini.") % {"code": repatriation.case.number})
    if repatriation.status == RepatriationStatus.HANDED_OVER:
        raise ValidationError(
            _("%(code)s sudah diserahterimakan dan tidak dapat dikeluarkan.") % {"code": repatriation.case.number}
        )
    repatriation.status = RepatriationStatus.CANCELLED
    repatriation.save(update_fields=["status"])
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=trip,
        detail={"cancelled": repatriation.case.number},
    )
    return repatriation


# --- Handover ---------------------------------------------------------------------------------------


@transaction.atomic
def handover_record(
    *,
    actor,
    trip: Trip,
    receiving_organisation: Organisation,
    handed_over_on: dt.date,
    signed_by_name: str,
    signed_by_position: str = "",
    note: str = "",
    request=None,
) -> Handover:
    """The sender records the serah terima: the people going to ``receiving_organisation`` on
    this trip become "Diserahterimakan". It can be corrected until the receiver acknowledges it."""
    _require_manage(actor, trip)
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    people = trip.repatriations.filter(receiving_organisation=receiving_organisation, status__in=ACTIVE)
    errors: dict[str, list[str]] = {}
    if trip.status == TripStatus.CANCELLED:
        raise ValidationError(_("Perjalanan ini sudah dibatalkan."))
    if not people.exists():
        raise ValidationError(_("Tidak ada orang di perjalanan ini untuk organisasi penerima tersebut."))
    signed_by_name = " ".join((signed_by_name or "").split())
    signed_by_position = " ".join((signed_by_position or "").split())
    if not signed_by_name:
        errors["signed_by_name"] = [_("Tuliskan nama pejabat yang menandatangani penerimaan.")]
    if handed_over_on is None:
        errors["handed_over_on"] = [_("Isi tanggal serah terima.")]
    elif handed_over_on > timezone.localdate():
        errors["handed_over_on"] = [_("Tanggal serah terima tidak boleh di masa depan.")]
    elif handed_over_on < trip.departure_on:
        errors["handed_over_on"] = [_("Tanggal serah terima tidak boleh sebelum tanggal berangkat.")]
    existing = Handover.objects.filter(trip=trip, receiving_organisation=receiving_organisation).first()
    if existing is not None and existing.acknowledged_at is not None:
        raise ValidationError(_("Serah terima ini sudah dikonfirmasi penerima dan tidak dapat diubah."))
    if errors:
        raise ValidationError(errors)
    handover = existing or Handover(trip=trip, receiving_organisation=receiving_organisation)
    handover.handed_over_on = handed_over_on
    handover.signed_by_name = signed_by_name
    handover.signed_by_position = signed_by_position
    handover.note = (note or "").strip()
    handover.save()
    codes = list(people.order_by("case__number").values_list("case__number", flat=True))
    people.exclude(status=RepatriationStatus.HANDED_OVER).update(status=RepatriationStatus.HANDED_OVER)
    # People travelled; once everyone on the trip is handed over, the trip is done.
    if trip.status == TripStatus.PLANNED:
        trip.status = TripStatus.DEPARTED
    if not trip.repatriations.filter(status__in=(RepatriationStatus.PLANNED, RepatriationStatus.TRAVELLING)).exists():
        trip.status = TripStatus.COMPLETED
    trip.save(update_fields=["status"])
    audit_record(
        Action.UPDATE if existing else Action.CREATE,
        request=request,
        actor=actor,
        obj=handover,
        detail={
            "trip": trip.pk,
            "receiving_organisation": receiving_organisation.name,
            "handed_over_on": handed_over_on.isoformat(),
            "people": codes,
        },
    )
    return handover


def schedule_follow_ups(handover: Handover, *, actor, request=None) -> int:
    """Bimbingan lanjut at 1, 3, 6 and 12 months (``PULIH_FOLLOW_UP_MONTHS``) after the handover,
    for every person handed over in it. Returns how many cases were scheduled."""
    from cases.services import follow_ups_schedule

    repatriations = handover.trip.repatriations.filter(
        receiving_organisation=handover.receiving_organisation, status=RepatriationStatus.HANDED_OVER
    ).select_related("case")
    count = 0
    for repatriation in repatriations:
        follow_ups_schedule(repatriation.case, handover.handed_over_on, actor, request=request)
        count += 1
    return count


@transaction.atomic
def handover_acknowledge(*, actor, handover: Handover, request=None) -> Handover:
    """A user of the receiving organisation confirms receipt; only then is the follow-up
    scheduled. A transfer of the case, if agreed, is answered separately (referrals)."""
    if not policy.can_acknowledge_handover(actor, handover):
        raise PermissionDenied
    handover = Handover.objects.select_for_update().select_related("trip", "receiving_organisation").get(pk=handover.pk)
    if handover.acknowledged_at is not None:
        raise ValidationError(_("Serah terima ini sudah dikonfirmasi."))
    handover.acknowledged_by = actor
    handover.acknowledged_at = timezone.now()
    handover.save(update_fields=["acknowledged_by", "acknowledged_at"])
    scheduled = schedule_follow_ups(handover, actor=actor, request=request)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=handover,
        detail={"acknowledged": True, "follow_ups_scheduled": scheduled},
    )
    return handover


def total_cost(repatriations) -> Decimal:
    return sum((r.cost for r in repatriations), Decimal("0"))
