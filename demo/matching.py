"""Demo: planted duplicates for the matching engine (issue "Finding the same person").

Three synthetic situations the seed reports describe, planted *inside* the census the reports
give (145 counted first, 21 gone and 2 new at the final round), so the published figures hold:

(a) The same woman counted in Karang Dempel's two rounds: the first round wrote "Sri Rahayoe"
    (old spelling), the final round "Sri Rahayu" without her NIK, so she was counted as one who
    left and one new arrival.
(b) A woman first registered at Lokalisasi KM 10 (Kutai Kartanegara) turned up in Karang Dempel's
    final round under her nickname "Ica", with the same birth date and phone.
(c) A "false friend": another Sri Rahayu, born on another day, counted in both rounds, who must
    not be merged with (a).

Then the engine runs nationally (``match_people`` without --region), as the nightly job would:
(a) lands in Kota Kupang's queue, (b) is found across regions (Dinas Sosial Kota Kupang learns,
through "known elsewhere?", that Dinsos Kukar holds a record), (c) is not proposed. Identities
are rewritten through the registry's own service (audited, blind indexes recomputed).
Idempotent. People are synthetic.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from census.models import CensusEntry, CensusRound, RoundKind
from organisations.models import Organisation
from people.identity import Identity
from people.models import Person
from people.services import PersonAttributes, person_register, person_update_attributes, person_update_identity
from sites.models import Site

RAHAYU_BORN = dt.date(1991, 3, 14)
NICKNAME_BORN = dt.date(1995, 8, 17)


def _kd_people(kd: Site) -> tuple[list[Person], list[Person], list[Person]]:
    """(left after the first round, new in the final round, in both), adults, by case code."""
    initial = CensusRound.objects.filter(site=kd, kind=RoundKind.INITIAL).first()
    final = CensusRound.objects.filter(site=kd, kind=RoundKind.FINAL).first()
    if initial is None or final is None:
        return [], [], []
    first_ids = set(CensusEntry.objects.filter(round=initial).values_list("person_id", flat=True))
    final_ids = set(CensusEntry.objects.filter(round=final).values_list("person_id", flat=True))
    people = Person.objects.filter(is_child=False).order_by("case_code")
    return (
        list(people.filter(pk__in=first_ids - final_ids)),
        list(people.filter(pk__in=final_ids - first_ids)),
        list(people.filter(pk__in=first_ids & final_ids)),
    )


def seed_planted_duplicates() -> dict[str, object] | None:
    kd = Site.objects.filter(regency_code="53.71", short_code="KD").first()
    km10 = Site.objects.filter(regency_code="64.02", short_code="KM10").first()
    if kd is None or km10 is None:
        return None
    if km10.registered_people.exists():
        return None  # already planted (the demo registers nobody else at KM 10)
    left, new, both = _kd_people(kd)
    if not left or len(new) < 2 or not both:
        return None
    registrar = User.objects.get(username="pendata.kupang")
    kadis_kukar = User.objects.get(username="kadis.kukar")

    # (a) One woman, counted twice: old spelling with her NIK, then new spelling with a phone only.
    first, second = left[0], new[0]
    _rewrite(registrar, first, Identity(full_name="Sri Rahayoe", birth_date=RAHAYU_BORN, nik="3578015403910004"))
    _rewrite(registrar, second, Identity(full_name="Sri Rahayu", birth_date=RAHAYU_BORN, phone="081338112233"))
    if second.origin_regency_id != first.origin_regency_id:
        person_update_attributes(
            actor=registrar,
            person=second,
            sex=first.sex,
            origin_province=first.origin_province_id,
            origin_regency=first.origin_regency_id,
        )

    # (b) Registered in Kutai Kartanegara, then counted in Kupang under her nickname.
    moved = new[1]
    kukar, _w = person_register(
        actor=kadis_kukar,
        site=km10,
        identity=Identity(
            full_name="Nur Aisyah Wulandari", aliases=["Ica"], birth_date=NICKNAME_BORN, phone="085247660918"
        ),
        attrs=PersonAttributes(
            sex="P", origin_province=moved.origin_province_id, origin_regency=moved.origin_regency_id
        ),
        consent_on=dt.date(2016, 3, 10),
    )
    _rewrite(registrar, moved, Identity(full_name="Ica", birth_date=NICKNAME_BORN, phone="0852-4766-0918"))

    # (c) Same common name, another woman.
    friend = both[-1]
    _rewrite(registrar, friend, Identity(full_name="Sri Rahayu", birth_date=dt.date(1984, 11, 2)))
    return {"spelling": (first, second), "moved": (kukar, moved), "false_friend": friend}


def planted_duplicates() -> dict[str, object] | None:
    """The records planted above (the selection is by census membership, which planting keeps)."""
    kd = Site.objects.filter(regency_code="53.71", short_code="KD").first()
    kukar = Person.objects.filter(registered_site__short_code="KM10").order_by("case_code").first()
    if kd is None or kukar is None:
        return None
    left, new, both = _kd_people(kd)
    return {"spelling": (left[0], new[0]), "moved": (kukar, new[1]), "false_friend": both[-1]}


def _rewrite(actor: User, person: Person, identity: Identity) -> None:
    person_update_identity(actor=actor, person=person, identity=identity)
    person.refresh_from_db()


@transaction.atomic
def seed_matching(orgs: dict[str, Organisation]):
    """Plant the duplicates and run the engine nationally. Returns the planted records (None when
    they were planted before)."""
    from matching.services import run_matching

    planted = seed_planted_duplicates()
    if planted is not None:
        run_matching(region=None)
    return planted
