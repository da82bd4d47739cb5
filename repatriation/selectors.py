"""Reading trips, the people on them and the arrivals each region receives, in a fixed number
of queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from access import policy
from access.policy import Perm
from cases.models import Case, Referral, ReferralKind, ReferralStatus
from organisations.models import Organisation
from regions.models import Region, within_q

from . import rules
from .models import Handover, Repatriation, RepatriationStatus, Trip
from .services import eligible_cases_q

NOT_CANCELLED = ~Q(repatriations__status=RepatriationStatus.CANCELLED)


# --- Local policy: handovers (until access.policy has a scope for them) ---------------------------


def scope_handovers(user, qs: QuerySet) -> QuerySet:
    return policy.scope_handovers(user, qs)


# --- Trips ---------------------------------------------------------------------------------------


def trip_list(
    user,
    *,
    status: str = "",
    mode: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Trip]:
    qs = policy.scope_trips(user, Trip.objects.select_related("organiser", "escort"))
    if status:
        qs = qs.filter(status=status)
    if mode:
        qs = qs.filter(mode=mode)
    if date_from:
        qs = qs.filter(departure_on__gte=date_from)
    if date_to:
        qs = qs.filter(departure_on__lte=date_to)
    active = ~Q(repatriations__status=RepatriationStatus.CANCELLED) & Q(repatriations__isnull=False)
    return qs.annotate(
        people=Count("repatriations", filter=active),
        total_cost=Coalesce(
            Sum("repatriations__cost", filter=active),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
    ).order_by("-departure_on", "-id")


def trip_for_user(user, pk: int) -> Trip:
    return policy.get_for_user(
        user,
        Trip.objects.select_related("organiser", "organiser__region", "escort", "programme"),
        policy.scope_trips,
        pk=pk,
    )


@dataclass
class DestinationGroup:
    """The people going to one kabupaten/kota on a trip."""

    regency_code: str
    regency: Region | None
    receiving_organisation: Organisation | None
    handover: Handover | None
    people: list[Repatriation] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.cost for r in self.people), Decimal("0"))

    @property
    def count(self) -> int:
        return len(self.people)


@dataclass
class ReceiverStatus:
    """Handover state for one receiving organisation of a trip."""

    organisation: Organisation
    people: int
    handover: Handover | None

    @property
    def state(self) -> str:
        if self.handover is None:
            return "pending"
        return "acknowledged" if self.handover.acknowledged_at else "handed_over"


@dataclass
class TripOverview:
    groups: list[DestinationGroup]
    receivers: list[ReceiverStatus]
    cancelled: list[Repatriation]

    @property
    def people(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def total(self) -> Decimal:
        return sum((g.total for g in self.groups), Decimal("0"))

    @property
    def without_receiver(self) -> list[DestinationGroup]:
        return [g for g in self.groups if g.receiving_organisation is None]


def trip_overview(trip: Trip) -> TripOverview:
    """People on the trip by destination kabupaten/kota, costs, and handovers per receiver:
    three queries (people, regencies, handovers)."""
    repatriations = list(
        trip.repatriations.select_related("case", "case__person", "destination", "receiving_organisation").order_by(
            "destination_regency_code", "case__number"
        )
    )
    active = [r for r in repatriations if r.status != RepatriationStatus.CANCELLED]
    cancelled = [r for r in repatriations if r.status == RepatriationStatus.CANCELLED]
    regency_codes = {r.destination_regency_code for r in active}
    regencies = {r.code: r for r in Region.objects.filter(code__in=regency_codes)}
    handovers = {h.receiving_organisation_id: h for h in trip.handovers.select_related("acknowledged_by")}

    groups: dict[tuple[str, int | None], DestinationGroup] = {}
    receivers: dict[int, ReceiverStatus] = {}
    for repatriation in active:
        org = repatriation.receiving_organisation
        key = (repatriation.destination_regency_code, org.pk if org else None)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DestinationGroup(
                regency_code=repatriation.destination_regency_code,
                regency=regencies.get(repatriation.destination_regency_code),
                receiving_organisation=org,
                handover=handovers.get(org.pk) if org else None,
            )
        group.people.append(repatriation)
        if org is not None:
            status = receivers.get(org.pk)
            if status is None:
                status = receivers[org.pk] = ReceiverStatus(organisation=org, people=0, handover=handovers.get(org.pk))
            status.people += 1
    ordered_groups = sorted(groups.values(), key=lambda g: g.regency.path if g.regency else g.regency_code)
    ordered_receivers = sorted(receivers.values(), key=lambda s: s.organisation.name)
    return TripOverview(groups=ordered_groups, receivers=ordered_receivers, cancelled=cancelled)


# --- Choosing people ---------------------------------------------------------------------------


@dataclass
class Candidate:
    case: Case
    destination: Region | None
    receiving_organisation: Organisation | None


def candidates(user, *, province: str = "") -> list[Candidate]:
    """Open cases in the user's scope on the repatriation pathway and not on an active trip,
    with the destination pre-filled from the person's origin and its Dinsos (if registered)."""
    qs = policy.scope_cases(user, eligible_cases_q()).select_related("person", "person__origin_regency", "site")
    if province:
        qs = qs.filter(person__origin_regency__code__startswith=f"{province}.")
    cases = list(qs.order_by("number")[:500])
    receivers = rules.receiving_dinsos(c.person.origin_regency_id for c in cases)
    return [
        Candidate(
            case=c,
            destination=c.person.origin_regency,
            receiving_organisation=receivers.get(rules.regency_code(c.person.origin_regency_id)),
        )
        for c in cases
    ]


# --- Arrivals to a region ------------------------------------------------------------------------


def incoming(user, *, status: str = "", acknowledged: str = "") -> QuerySet[Repatriation]:
    """People coming home to the user's region (``policy.scope_repatriations``), by case code:
    no identity — that comes with a transfer."""
    qs = policy.scope_repatriations(user, Repatriation.objects.exclude(status=RepatriationStatus.CANCELLED))
    if user.region_id:
        qs = qs.filter(within_q("destination_regency_code", user.region_id[:5]))
    handover = Handover.objects.filter(trip=OuterRef("trip"), receiving_organisation=OuterRef("receiving_organisation"))
    # Identity and the case file come with a transfer to the user's organisation (cases.referrals).
    transfer = Referral.objects.filter(
        case=OuterRef("case"), kind=ReferralKind.TRANSFER, to_organisation=user.organisation_id
    ).exclude(status__in=(ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN))
    qs = qs.filter(trip__isnull=False).annotate(
        handed_over_on=Subquery(handover.values("handed_over_on")[:1]),
        acknowledged_at=Subquery(handover.values("acknowledged_at")[:1]),
        handover_id=Subquery(handover.values("pk")[:1]),
        transfer_status=Subquery(transfer.order_by("-created_at").values("status")[:1]),
    )
    if status:
        qs = qs.filter(status=status)
    if acknowledged == "yes":
        qs = qs.filter(acknowledged_at__isnull=False)
    elif acknowledged == "no":
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.select_related(
        "case", "case__site", "trip", "trip__organiser", "destination", "receiving_organisation"
    ).order_by("-trip__departure_on", "destination_regency_code", "case__number")


def incoming_by_month(qs: QuerySet[Repatriation]) -> list[dict]:
    """Arrivals per month of departure: [{"month": date, "people": n, "acknowledged": n}]."""
    return list(
        qs.order_by()
        .annotate(month=TruncMonth("trip__departure_on"))
        .values("month")
        .annotate(people=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)))
        .order_by("-month")
    )


def handovers_to_acknowledge(user) -> QuerySet[Handover]:
    """Handovers addressed to the user's organisation that still wait for its confirmation."""
    if not policy.has_perm(user, Perm.REFERRALS_RESPOND) or user.organisation_id is None:
        return Handover.objects.none()
    return (
        Handover.objects.filter(receiving_organisation=user.organisation_id, acknowledged_at__isnull=True)
        .select_related("trip", "trip__organiser")
        .annotate(
            people=Count(
                "trip__repatriations",
                filter=Q(
                    trip__repatriations__receiving_organisation=user.organisation_id,
                    trip__repatriations__status=RepatriationStatus.HANDED_OVER,
                ),
            )
        )
        .order_by("handed_over_on", "pk")
    )
