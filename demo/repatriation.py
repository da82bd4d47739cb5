"""Demo repatriation from Karang Dempel (seeds 000–002): on 4 October 2019 Kota Kupang sent 54
residents home, handing each group over to the Dinas Sosial of the region of origin; the three
residents of Kota Kupang itself stay and follow local empowerment.

Three trips leave that day: by land across Timor, by sea (KM Awu, via Flores, Sumba and Bali to
Surabaya), by air (via Makassar to Jakarta). Most receiving Dinsos have confirmed receipt, so
their people have follow-ups — the first ones done, the later ones overdue by now; a few have
not confirmed yet (Kabupaten Kediri's is left for its demo user to confirm).

Every step is idempotent: running it again changes nothing. People and officials are synthetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Case, CaseStatus, FollowUp, FollowUpOutcome, Pathway
from census.models import CensusRound, RoundKind
from organisations.models import Organisation, OrgKind
from people.models import Person
from regions.models import Region
from repatriation import services
from repatriation.models import Handover, Repatriation, RepatriationStatus, Trip, TripStatus
from sites.models import Site

KOTA_KUPANG = "53.71"
KAB_KEDIRI = "35.06"
DEPARTURE = dt.date(2019, 10, 4)
OPENED_ON = dt.date(2019, 1, 7)
# The reports: 54 residents repatriated on 4 October 2019.
REPATRIATED = 54
# Kabupaten of Timor, reached by road from Kupang.
TIMOR = {"53.01", "53.02", "53.03", "53.04", "53.21"}
# Provinces along KM Awu's route to Surabaya (the rest of NTT, Bali, NTB, Java east of Jakarta).
BY_SEA = {"53", "51", "52", "35", "34", "33"}

# key: (mode, route, escort key, cost per person, days from departure to handover)
TRIPS = {
    "land": (
        "land",
        "Kupang – Soe – Kefamenanu – Atambua – Betun (darat)",
        "satpolpp_kupang",
        Decimal("250000"),
        1,
    ),
    "sea": (
        "sea",
        "Kupang – Ende – Waingapu – Benoa – Surabaya (KM Awu)",
        "lks_kupang",
        Decimal("750000"),
        5,
    ),
    "air": ("air", "Kupang – Makassar – Jakarta (pesawat)", "satpolpp_kupang", Decimal("1500000"), 2),
}
# Invented officials who sign for the receiving Dinsos (in office, not protected identities).
SIGNATORIES = (
    ("Drs. Yohanes Seran", "Kepala Dinas Sosial"),
    ("Maria Goreti Bria, S.Sos.", "Kepala Bidang Rehabilitasi Sosial"),
    ("Agus Setiawan, S.H.", "Sekretaris Dinas Sosial"),
    ("Dra. Endang Purwanti", "Kepala Bidang Rehabilitasi Sosial"),
    ("Hendrik Lay, S.Sos., M.Si.", "Kepala Dinas Sosial"),
    ("Siti Aminah, S.Sos.", "Kepala Seksi Rehabilitasi Tuna Sosial"),
)
# Outcomes of the first follow-up visits (worded with care in FollowUpOutcome).
FIRST_OUTCOMES = (
    FollowUpOutcome.WORKING,
    FollowUpOutcome.IN_TRAINING,
    FollowUpOutcome.WORKING,
    FollowUpOutcome.UNREACHABLE,
    FollowUpOutcome.WORKING,
    FollowUpOutcome.MOVED,
    FollowUpOutcome.IN_TRAINING,
    FollowUpOutcome.WORKING,
    FollowUpOutcome.IN_TRAINING,
    FollowUpOutcome.RETURNED,
    FollowUpOutcome.WORKING,
)


def _trip_key(regency: str) -> str:
    if regency in TIMOR:
        return "land"
    return "sea" if regency[:2] in BY_SEA else "air"


def _choose(people: list[Person]) -> list[Person]:
    """The 54 going home: everyone from elsewhere in NTT and from Kabupaten Kediri first (their
    Dinsos are in the demo), then the others by case code. Children and people with trafficking
    indicators follow their own pathway (child protection, TPPO services)."""
    going = [
        p
        for p in people
        if p.origin_regency_id and p.origin_regency_id != KOTA_KUPANG and not p.is_child and not p.trafficking_flag
    ]
    first = [p for p in going if p.origin_regency_id.startswith("53.") or p.origin_regency_id == KAB_KEDIRI]
    rest = [p for p in going if p not in first]
    return (first + rest)[:REPATRIATED]


def _open_case(person: Person, pathway: str, goals: str, *, site, orgs, head, worker) -> Case | None:
    """The person's open case with ``pathway`` (opened and planned if needed); None when another
    pathway was already chosen for her."""
    from cases.services import case_open, plan_set

    case = Case.objects.filter(person=person, status=CaseStatus.OPEN).first()
    if case is None:
        case = case_open(
            actor=head,
            person=person,
            responsible_organisation=orgs["dinsos_kupang"],
            site=site,
            opened_on=OPENED_ON,
            case_worker=worker,
            supervisor=head,
        )
    if not case.pathway:
        plan_set(actor=worker, case=case, pathway=pathway, goals=goals)
        case.refresh_from_db()
    return case if case.pathway == pathway else None


def _receiving_dinsos(regency_codes: set[str]) -> None:
    """A Dinas Sosial for every kabupaten/kota of origin that has none registered yet."""
    have = set(
        Organisation.objects.filter(kind=OrgKind.DINSOS_KABKOTA, region_id__in=regency_codes).values_list(
            "region_id", flat=True
        )
    )
    for region in Region.objects.filter(code__in=regency_codes - have):
        Organisation.objects.get_or_create(
            name=f"Dinas Sosial {region.name}",
            region=region,
            defaults={"kind": OrgKind.DINSOS_KABKOTA, "short_name": f"Dinsos {region.name}"[:60]},
        )


def _trip(key: str, orgs, head) -> Trip:
    mode, route, escort_key, _cost, _days = TRIPS[key]
    trip = Trip.objects.filter(organiser=orgs["dinsos_kupang"], departure_on=DEPARTURE, route=route).first()
    if trip is None:
        trip = services.trip_create(
            actor=head,
            organiser=orgs["dinsos_kupang"],
            departure_on=DEPARTURE,
            mode=mode,
            route=route,
            escort=orgs[escort_key],
            note="Pemulangan penghuni eks lokalisasi Karang Dempel ke daerah asal.",
        )
    return trip


def _acknowledge(handover: Handover) -> None:
    """Receipt confirmed a few days after the handover. Most receiving Dinsos have no Pulih
    account in the demo: their confirmation (the signed letter) has no user attached."""
    receiver = handover.receiving_organisation.users.filter(is_active=True).order_by("pk").first()
    when = dt.datetime.combine(handover.handed_over_on + dt.timedelta(days=3), dt.time(10, 0))
    handover.acknowledged_by = receiver
    handover.acknowledged_at = timezone.make_aware(when)
    handover.save(update_fields=["acknowledged_by", "acknowledged_at"])
    services.schedule_follow_ups(handover, actor=receiver)


def _record_first_visits(case_index: int, case: Case, worker) -> None:
    """Month 1 done for most, months 3 and 6 for some; the rest left open (overdue by now)."""
    from cases.services import follow_up_record

    if case_index % 6 == 0:
        done_months: tuple[int, ...] = (1, 3, 6)
    elif case_index % 3 == 0:
        done_months = (1, 3)
    elif case_index % 4 != 3:
        done_months = (1,)
    else:
        done_months = ()
    for follow_up in FollowUp.objects.filter(case=case, months_after__in=done_months, done_on__isnull=True):
        outcome = FIRST_OUTCOMES[(case_index + follow_up.months_after) % len(FIRST_OUTCOMES)]
        follow_up_record(
            actor=worker,
            follow_up=follow_up,
            done_on=follow_up.due_on + dt.timedelta(days=case_index % 9),
            outcome=outcome,
        )


@transaction.atomic
def seed_repatriation(orgs: dict[str, Organisation]) -> None:
    site = Site.objects.filter(regency_code=KOTA_KUPANG, short_code="KD").first()
    final = CensusRound.objects.filter(site=site, kind=RoundKind.FINAL).order_by("-held_on").first() if site else None
    if final is None:
        return
    head = User.objects.get(username="kadis.kupang")
    worker = User.objects.get(username="peksos.kupang")
    people = list(Person.objects.filter(census_entries__round=final).order_by("case_code"))
    staff = {"site": site, "orgs": orgs, "head": head, "worker": worker}

    # The city's own residents stay: guidance, training and working capital in Kota Kupang.
    for person in people:
        if person.origin_regency_id == KOTA_KUPANG:
            _open_case(
                person,
                Pathway.LOCAL_EMPOWERMENT,
                "Pelatihan keterampilan dan modal usaha di Kota Kupang.",
                **staff,
            )

    chosen = _choose(people)
    _receiving_dinsos({p.origin_regency_id for p in chosen})
    by_trip: dict[str, list[Case]] = {key: [] for key in TRIPS}
    for person in chosen:
        case = _open_case(
            person, Pathway.REPATRIATION, "Pulang ke daerah asal dan bimbingan lanjut oleh Dinsos setempat.", **staff
        )
        if case is not None:
            by_trip[_trip_key(person.origin_regency_id)].append(case)

    case_index = 0
    for key, cases in by_trip.items():
        if not cases:
            continue
        _mode, _route, _escort, cost, days = TRIPS[key]
        trip = _trip(key, orgs, head)
        on_trip = set(trip.repatriations.exclude(status=RepatriationStatus.CANCELLED).values_list("case_id", flat=True))
        missing = [c for c in cases if c.pk not in on_trip]
        if missing and trip.status == TripStatus.PLANNED:
            services.repatriations_add(actor=head, trip=trip, cases=missing, cost=cost)
        if trip.status == TripStatus.PLANNED:
            services.trip_update(actor=head, trip=trip, status=TripStatus.DEPARTED)

        receivers = list(
            Organisation.objects.filter(
                pk__in=trip.repatriations.exclude(status=RepatriationStatus.CANCELLED).values("receiving_organisation")
            ).order_by("name")
        )
        for index, receiver in enumerate(receivers):
            # One receiving Dinsos on the long sea voyage has not sent its signed record yet.
            if key == "sea" and index == len(receivers) - 1:
                continue
            handover = Handover.objects.filter(trip=trip, receiving_organisation=receiver).first()
            if handover is None:
                name, position = SIGNATORIES[index % len(SIGNATORIES)]
                handover = services.handover_record(
                    actor=head,
                    trip=trip,
                    receiving_organisation=receiver,
                    handed_over_on=DEPARTURE + dt.timedelta(days=days + index % 3),
                    signed_by_name=name,
                    signed_by_position=position,
                )
            # Kabupaten Kediri's confirmation is left for its demo user; every fourth is still awaited.
            if handover.acknowledged_at is None and receiver.region_id != KAB_KEDIRI and index % 4 != 1:
                _acknowledge(handover)

        acknowledged = Repatriation.objects.filter(
            trip=trip,
            status=RepatriationStatus.HANDED_OVER,
            receiving_organisation__handovers_received__trip=trip,
            receiving_organisation__handovers_received__acknowledged_at__isnull=False,
        ).select_related("case")
        for repatriation in acknowledged.order_by("case__number"):
            _record_first_visits(case_index, repatriation.case, worker)
            case_index += 1
