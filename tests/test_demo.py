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
    person = Person.objects.filter(registered_site__short_code="KD").order_by("case_code").first()
    assert person.case_code == "5371-KD-0001"
    assert unseal(person.identity_ciphertext).full_name
    kd_alerts = SafeguardingAlert.objects.filter(person__registered_site__short_code="KD")
    assert kd_alerts.filter(kind="child").count() == 1
    assert kd_alerts.filter(kind="trafficking").count() == 1

    # Running it again changes nothing.
    users_before, people_before = User.objects.count(), Person.objects.count()
    assert load_scenario() == []
    assert Person.objects.filter(registered_site__short_code="KD").count() == 147
    assert Person.objects.count() == people_before and User.objects.count() == users_before


def test_the_demo_programmes_follow_the_reports(regions):
    from activities.models import Activity, FollowUpAction
    from grievances.models import Grievance
    from monitoring.models import MonitoringVisit
    from programmes.models import ClosureProgramme

    load_scenario()
    kupang = ClosureProgramme.objects.get(name="Penutupan Lokalisasi Karang Dempel")
    assert str(kupang.deadline) == "2019-01-01"
    rakor = Activity.objects.get(programme=kupang, venue="Ruang Garuda, Balai Kota Kupang")
    assert rakor.starts_at.date().isoformat() == "2018-10-30"
    assert {o.short_name for o in rakor.participants.all()} >= {"Satpol PP Kota Kupang", "Polres Kupang Kota"}
    assert FollowUpAction.objects.filter(programme=kupang, status="open").count() == 3
    assert Grievance.objects.filter(programme=kupang, summary__icontains="hotel").exists()

    kukar = ClosureProgramme.objects.get(owner_organisation__name="Dinas Sosial Kabupaten Kutai Kartanegara")
    assert kukar.programme_sites.count() == 12
    assert len({link.site.region_id for link in kukar.programme_sites.select_related("site")}) == 11
    assert str(kukar.launched_on) == "2016-02-27"
    assert kukar.phases.get(number=1).sites.count() == 2

    villages = MonitoringVisit.objects.values_list("village_id", flat=True).distinct()
    assert len(set(villages)) == 9
    assert ClosureProgramme.objects.count() == 3
    load_scenario()
    assert ClosureProgramme.objects.count() == 3


def test_load_demo_prints_the_current_password_of_each_account(regions, settings, tmp_path):
    """A new database gets new random passwords: the logins file keeps one line per account,
    the current one, so `make run` never prints a password that no longer works."""
    from io import StringIO

    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    (tmp_path / "demo-logins.txt").write_text("kadis.kupang\tPassword-lama\tKepala Dinas Sosial\tDinsos\n")
    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = (tmp_path / "demo-logins.txt").read_text().splitlines()
    kadis = [line.split("\t") for line in lines if line.startswith("kadis.kupang\t")]
    assert len(kadis) == 1 and kadis[0][1] != "Password-lama"
    assert User.objects.get(username="kadis.kupang").check_password(kadis[0][1])
    assert "Password-lama" not in out.getvalue() and kadis[0][1] in out.getvalue()
