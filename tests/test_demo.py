"""The demo scenario matches the seed reports and loads idempotently."""

from __future__ import annotations

import pytest

from accounts.models import User
from census.models import CensusRound, RoundKind
from census.selectors import round_summary
from demo.scenario import load_scenario
from people.identity import unseal
from people.models import Person, SafeguardingAlert

pytestmark = pytest.mark.django_db


def test_karang_dempel_census_matches_the_reports(regions):
    logins = load_scenario()
    assert {login.username for login in logins} >= {"pendata.kupang", "kadis.kupang", "analis.kemensos"}

    initial = CensusRound.objects.get(site__short_code="KD", kind=RoundKind.INITIAL)
    final = CensusRound.objects.get(site__short_code="KD", kind=RoundKind.FINAL)
    first = round_summary(initial)
    assert first.present == 145
    assert first.by_origin == {"local": 3, "same_province": 8, "other_province": 134}

    last = round_summary(final)
    assert last.present < first.present
    assert last.new == 2 and last.left == 21 and last.change == -19

    # Real, decryptable synthetic identities with pseudonymous case codes.
    person = Person.objects.order_by("case_code").first()
    assert person.case_code == "5371-KD-0001"
    assert unseal(person.identity_ciphertext).full_name
    assert SafeguardingAlert.objects.filter(kind="child").count() == 1
    assert SafeguardingAlert.objects.filter(kind="trafficking").count() == 1

    # Running it again changes nothing.
    users_before = User.objects.count()
    assert load_scenario() == []
    assert Person.objects.count() == 147 and User.objects.count() == users_before
