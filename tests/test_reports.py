"""Dashboards, origin flows and monthly reports (issue 7): figures by role and scope, links only
to lists the user may open, small numbers suppressed outside the owning team, XLSX and PDF read
back, sign-off before sending, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Role
from activities.models import ActionStatus, FollowUpAction
from audit.models import Action, AuditEvent
from cases.models import FollowUp, Pathway, Stage
from organisations.models import OrgKind
from people.models import Person
from regions.models import Region
from repatriation.models import Mode, Repatriation, RepatriationStatus, Trip, TripStatus
from reports import services
from reports.models import MonthlyReport, ReportStatus
from sites.models import SiteStatus
from training.models import Course, Enrolment, EnrolmentStatus, Skill

pytestmark = pytest.mark.django_db

DEPARTURE = dt.date(2019, 10, 4)


@pytest.fixture
def world(orgs, make_org, make_site, site_kd, make_person, make_case, make_programme, users):
    """Kota Kupang (Karang Dempel: 23 residents, 3 of them from Kota Kupang itself, 10 sent home,
    3 trained and paid), Kutai Kartanegara (3 sites, 7 residents) and Kabupaten Kediri (1 site,
    6 residents trained at the UPT)."""
    kupang, kukar = orgs["dinsos_kupang"], orgs["dinsos_kukar"]
    kediri = make_org("Dinas Sosial Kabupaten Kediri", kind=OrgKind.DINSOS_KABKOTA, region="35.06")
    upt = make_org("UPT RSBKW Kediri", kind=OrgKind.UPT, region="35.06")

    origins = ["53.71"] * 3 + ["53.01"] * 6 + ["35.06"] * 12 + ["32.73"] * 2
    kd_people = [make_person(f"Warga KD {i}", origin_regency=code, sex="P") for i, code in enumerate(origins)]
    local, others = kd_people[:3], kd_people[3:]
    kd_cases = {}
    for person in local:
        kd_cases[person.pk] = make_case(
            person, stage=Stage.INTERVENTION, pathway=Pathway.LOCAL_EMPOWERMENT, opened_on=dt.date(2019, 1, 7)
        )
    stages = [Stage.REINTEGRATION] * 10 + [Stage.PLAN] * 6 + [Stage.ASSESSMENT] * 4
    for person, stage in zip(others, stages, strict=True):
        pathway = Pathway.REPATRIATION if stage != Stage.ASSESSMENT else ""
        kd_cases[person.pk] = make_case(person, stage=stage, pathway=pathway, opened_on=dt.date(2019, 1, 7))

    trip = Trip.objects.create(
        organiser=kupang,
        departure_on=DEPARTURE,
        mode=Mode.SEA,
        route="Kupang – Surabaya (KM Awu)",
        status=TripStatus.COMPLETED,
        scope_region_code="53.71",
    )
    # Eight home to Kabupaten Kediri, two to Kabupaten Kupang.
    repatriated = [p for p in others if p.origin_regency_id == "35.06"][:8] + [
        p for p in others if p.origin_regency_id == "53.01"
    ][:2]
    for person in repatriated:
        Repatriation.objects.create(
            case=kd_cases[person.pk],
            trip=trip,
            destination_id=person.origin_regency_id,
            destination_regency_code=person.origin_regency_id,
            status=RepatriationStatus.HANDED_OVER,
            scope_region_code="53.71",
        )
    # Two first follow-ups a month after the handover, never done: overdue.
    for person in repatriated[:2]:
        FollowUp.objects.create(
            case=kd_cases[person.pk],
            months_after=1,
            due_on=DEPARTURE + dt.timedelta(days=31),
            scope_region_code="53.71",
        )

    catering = Course.objects.create(
        name="Tata boga Karang Dempel",
        skill=Skill.CATERING,
        provider=kupang,
        starts_on=dt.date(2019, 2, 1),
        ends_on=dt.date(2019, 5, 31),
        place="Aula Dinas Sosial Kota Kupang",
        scope_region_code="53.71",
    )
    for person in local:
        Enrolment.objects.create(
            course=catering,
            case=kd_cases[person.pk],
            status=EnrolmentStatus.COMPLETED,
            enrolled_on=dt.date(2019, 2, 1),
            completed_on=dt.date(2019, 5, 31),
        )

    programme = make_programme()
    FollowUpAction.objects.create(
        programme=programme,
        description="Surat edaran penutupan wisma",
        owner_organisation=kupang,
        due_on=dt.date(2018, 11, 30),
        status=ActionStatus.OPEN,
        region_code="53.71",
    )

    # Kutai Kartanegara: two closed sites and one still being socialised.
    km10 = make_site("KM 10", short_code="KM10", region="64.02", owner_organisation=kukar, status=SiteStatus.CLOSED)
    make_site("Kitadin", short_code="KTD", region="64.02", owner_organisation=kukar, status=SiteStatus.CLOSED)
    make_site("Loa Janan", short_code="LJ", region="64.02", owner_organisation=kukar, status=SiteStatus.SOCIALISING)
    for i, code in enumerate(["64.02"] + ["35.06"] * 6):
        make_person(f"Warga KM10 {i}", site=km10, origin_regency=code, sex="P")

    # Kabupaten Kediri: one site, six women trained at the UPT.
    semampir = make_site("Semampir", short_code="SMP", region="35.06", owner_organisation=kediri)
    course = Course.objects.create(
        name="Tata rias UPT RSBKW",
        skill=Skill.BEAUTY,
        provider=upt,
        starts_on=dt.date(2019, 2, 1),
        ends_on=dt.date(2019, 5, 31),
        place="UPT RSBKW Kediri",
        scope_region_code="35.06",
    )
    for i in range(6):
        person = make_person(f"Warga Semampir {i}", site=semampir, origin_regency="35.06", sex="P")
        case = make_case(person, organisation=kediri, stage=Stage.INTERVENTION, pathway=Pathway.REHAB_CENTRE)
        Enrolment.objects.create(
            course=course,
            case=case,
            status=EnrolmentStatus.COMPLETED,
            enrolled_on=dt.date(2019, 2, 1),
            completed_on=dt.date(2019, 5, 31),
        )
    _pay(orgs, users, local, site=site_kd)
    # Registered at the initial census (the records would say "today" otherwise).
    Person.objects.update(registered_at=timezone.make_aware(dt.datetime(2018, 10, 15, 9)))
    return {"kd": site_kd, "km10": km10, "semampir": semampir, "local": local, "programme": programme}


def _pay(orgs, users, people, *, site):
    """Rp 5.000.000 paid to each, in June 2019, from Kota Kupang's APBD line of Rp 300.000.000."""
    from assistance.models import (
        AmountRule,
        AssistanceProgramme,
        BudgetLine,
        Cycle,
        Entitlement,
        EntitlementRun,
        EntitlementStatus,
        FundingSource,
        LedgerEntry,
        LedgerKind,
        RunStatus,
    )

    head = users[Role.HEAD_OF_DINSOS]
    line = BudgetLine.objects.create(
        code="5.1.02.01",
        name="Pemberdayaan warga Kota Kupang",
        fiscal_year=2019,
        source=FundingSource.APBD_REGENCY,
        amount=Decimal("300000000"),
        owner_organisation=orgs["dinsos_kupang"],
        scope_region_code="53.71",
    )
    programme = AssistanceProgramme.objects.create(
        name="Dana PEM Kota Kupang 2019",
        budget_line=line,
        amount_rule=AmountRule.FIXED,
        amount=Decimal("5000000"),
        scope_region_code="53.71",
    )
    cycle = Cycle.objects.create(
        programme=programme, name="2019", starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
    )
    paid_at = timezone.make_aware(dt.datetime(2019, 6, 10, 10))
    run = EntitlementRun.objects.create(
        cycle=cycle,
        programme=programme,
        budget_line=line,
        status=RunStatus.APPROVED,
        people_count=len(people),
        total_amount=Decimal("5000000") * len(people),
        proposed_at=paid_at,
        proposed_by=users[Role.CASE_WORKER],
        approved_at=paid_at,
        approved_by=head,
        scope_region_code="53.71",
    )
    for person in people:
        entitlement = Entitlement.objects.create(
            run=run,
            cycle=cycle,
            programme=programme,
            budget_line=line,
            person=person,
            identity_key=f"p{person.pk}",
            site=site,
            amount=Decimal("5000000"),
            status=EntitlementStatus.DISBURSED,
            paid_on=dt.date(2019, 6, 10),
            scope_region_code="53.71",
        )
        for kind in (LedgerKind.COMMIT, LedgerKind.DISBURSE):
            LedgerEntry.objects.create(
                kind=kind,
                amount=Decimal("5000000"),
                budget_line=line,
                programme=programme,
                site=site,
                person=person,
                entitlement=entitlement,
                actor=head,
                at=paid_at,
                **({"value_date": dt.date(2019, 6, 10)} if _has_value_date(LedgerEntry) else {}),
                scope_region_code="53.71",
            )


def _has_value_date(model) -> bool:
    return any(f.name == "value_date" for f in model._meta.get_fields())


def _kpis(response) -> dict[str, str]:
    return {str(f.label): f.cell.text for f in response.context["data"].kpis}


def _breakdown(response) -> dict[str, list[str]]:
    return {row.label: [c.text for c in row.cells] for row in response.context["data"].breakdown.rows}


def _series(series) -> dict[str, str]:
    return {label: cell.text for label, cell, _href in series.rows}


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


# --- Dashboards by role and scope ----------------------------------------------------------------


def test_head_of_dinsos_sees_its_own_sites_and_exact_figures(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.unit == "site" and not data.protect
    # Only Kota Kupang: Karang Dempel, not Kutai Kartanegara or Kediri.
    rows = _breakdown(response)
    assert list(rows) == ["Karang Dempel"]
    # sites, closed, registered, cases, repatriated, trained, funded, overdue follow-ups
    assert rows["Karang Dempel"] == ["1", "0", "23", "23", "10", "3", "3", "2"]
    kpis = _kpis(response)
    assert kpis["Penerima manfaat terdaftar"] == "23"
    assert kpis["Dipulangkan"] == "10" and kpis["Lulus pelatihan"] == "3"
    assert kpis["Tindak lanjut rapat terlambat"] == "1"
    # People by stage and pathway, counted exactly for the owning team.
    grid = data.stages
    stage_row = [str(label) for _v, label in Stage.choices].index("Reintegrasi")
    pathway_col = grid.col_labels.index(str(Pathway.REPATRIATION.label))
    assert grid.grid.cells[stage_row][pathway_col].text == "10"
    assert grid.grid.grand.text == "23"
    assert "disclosure-note" not in response.content.decode()


def test_province_officer_sees_its_kabupaten_kota_with_small_numbers_suppressed(world, users, login):
    client = login(users[Role.PROVINCE_OFFICER])  # Nusa Tenggara Timur
    response = client.get(reverse("reports:dashboard"))
    data = response.context["data"]
    assert data.unit == "regency" and data.protect
    rows = _breakdown(response)
    assert list(rows) == ["Kota Kupang"]
    assert rows["Kota Kupang"][2] == "23"  # registered: large enough to show
    # Three trained: a small number, suppressed in the province's view; and its overdue follow-ups (2).
    assert rows["Kota Kupang"][5] == "<5" and rows["Kota Kupang"][7] == "<5"
    assert _kpis(response)["Lulus pelatihan"] == "<5"
    assert 'data-testid="disclosure-note"' in response.content.decode()


def test_kemensos_analyst_sees_the_country_by_province_and_no_person_lists(world, users, login):
    client = login(users[Role.KEMENSOS_ANALYST])
    response = client.get(reverse("reports:dashboard"))
    data = response.context["data"]
    assert data.unit == "province" and data.protect
    rows = _breakdown(response)
    assert set(rows) == {"Nusa Tenggara Timur", "Kalimantan Timur", "Jawa Timur"}
    assert rows["Kalimantan Timur"][:3] == ["3", "2", "7"]  # Kukar: 3 sites, 2 closed, 7 residents
    assert rows["Jawa Timur"][2] == "6"  # Kediri's six women
    # Trained: Kupang's 3 is small; Kediri's 6 is hidden too, or 9 − 6 would give the 3 back.
    assert rows["Nusa Tenggara Timur"][5] == "<5" and rows["Jawa Timur"][5] == "×"
    assert _kpis(response)["Lulus pelatihan"] == "9"
    assert rows["Nusa Tenggara Timur"][2] == "23"
    assert _kpis(response)["Penerima manfaat terdaftar"] == "36"
    html = response.content.decode()
    hrefs = _hrefs(html)
    # Lists of places and meetings: yes; lists of people or cases: never.
    assert any(h.startswith(reverse("sites:list")) for h in hrefs)
    assert any(h.startswith(reverse("activities:action_list")) and "overdue=1" in h for h in hrefs)
    for forbidden in ("people:list", "cases:list", "cases:followups_overdue", "repatriation:trip_list"):
        assert not any(h.startswith(reverse(forbidden)) for h in hrefs), forbidden
    assert "/penerima/" not in html and "/kasus/" not in html
    # Drill down: a province's row opens the dashboard for that province.
    assert f"{reverse('reports:dashboard')}?region=64" in html


def test_figures_link_to_the_lists_behind_them_for_the_team(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    html = client.get(reverse("reports:dashboard")).content.decode()
    hrefs = [h.replace("&amp;", "&") for h in _hrefs(html)]
    cases = reverse("cases:list")
    assert f"{cases}?stage=reintegration&pathway=repatriation" in hrefs
    assert f"{reverse('sites:list')}?status=closed" in hrefs
    assert reverse("cases:followups_overdue") in hrefs
    assert f"{reverse('activities:action_list')}?overdue=1" in hrefs
    # Every list a figure links to opens for this user.
    for href in {h for h in hrefs if h.startswith(("/kasus/", "/lokalisasi/", "/kegiatan/", "/pelatihan/"))}:
        assert client.get(href).status_code == 200, href


def test_region_filter_stays_inside_the_users_scope(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])  # Kota Kupang
    response = client.get(reverse("reports:dashboard"), {"region": "64.02"})
    assert response.context["form"].errors["region"]
    assert list(_breakdown(response)) == ["Karang Dempel"]
    # The picker only offers regions inside the user's scope.
    assert "within=53.71" in response.content.decode()

    analyst = login(users[Role.KEMENSOS_ANALYST])
    response = analyst.get(reverse("reports:dashboard"), {"region": "64.02"})
    assert response.context["data"].unit == "site"
    assert set(_breakdown(response)) == {"KM 10", "Kitadin", "Loa Janan"}


def test_period_filter(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    before = client.get(reverse("reports:dashboard"), {"start": "2019-01-01", "end": "2019-09-30"})
    kpis = _kpis(before)
    assert kpis["Dipulangkan"] == "0" and kpis["Lulus pelatihan"] == "3"
    during = client.get(reverse("reports:dashboard"), {"start": "2019-10-01", "end": "2019-10-31"})
    kpis = _kpis(during)
    assert kpis["Dipulangkan"] == "10" and kpis["Lulus pelatihan"] == "0"
    # Follow-ups due 4 November 2019 were not yet overdue at the end of October.
    assert kpis["Bimbingan lanjut terlambat"] == "0"
    assert during.context["data"].trend_months == ["Okt 2019"]
    wrong = client.get(reverse("reports:dashboard"), {"start": "2019-10-31", "end": "2019-10-01"})
    assert wrong.context["form"].errors["end"]


def test_the_team_can_preview_the_publication_view(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.get(reverse("reports:origins"), {"publication": "on"})
    assert response.context["data"].protect
    assert _series(response.context["data"].classes)["Warga kabupaten/kota setempat"] == "<5"
    # Outside the team there is no such switch: always protected.
    analyst = login(users[Role.KEMENSOS_ANALYST])
    assert "publication" not in analyst.get(reverse("reports:dashboard")).context["form"].fields


def test_dashboard_queries_do_not_grow_with_the_data(
    world, users, login, make_site, make_person, orgs, django_assert_max_num_queries
):
    client = login(users[Role.KEMENSOS_ANALYST])
    with django_assert_max_num_queries(30):
        client.get(reverse("reports:dashboard"))
    for n in range(3):
        site = make_site(f"Situs {n}", short_code=f"S{n}", region="53.01", owner_organisation=orgs["dinsos_ntt"])
        for i in range(5):
            make_person(f"Orang {n}-{i}", site=site, origin_regency="35.06")
    with django_assert_max_num_queries(30):
        response = client.get(reverse("reports:dashboard"))
    assert _breakdown(response)["Nusa Tenggara Timur"][0] == "4"


def test_budget_absorption_from_the_assistance_ledger(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    data = client.get(reverse("reports:dashboard")).context["data"]
    assert data.budget.amount == Decimal("300000000")
    assert data.budget.disbursed == Decimal("15000000")
    assert data.budget.absorbed_percent == 5
    assert _kpis_by_label(data)["Serapan anggaran"] == "5"
    # The province sees Kota Kupang's line too; a Kabupaten Kutai Kartanegara head would not.
    province = login(users[Role.PROVINCE_OFFICER]).get(reverse("reports:dashboard")).context["data"]
    assert province.budget.disbursed == Decimal("15000000")


def _kpis_by_label(data) -> dict[str, str]:
    return {str(f.label): f.cell.text for f in data.kpis}


# --- Origin flows -------------------------------------------------------------------------------


def test_origins_for_the_team_are_exact(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    data = client.get(reverse("reports:origins"), {"site": world["kd"].pk}).context["data"]
    classes = _series(data.classes)
    assert classes["Warga kabupaten/kota setempat"] == "3"
    assert classes["Dari kabupaten/kota lain di provinsi yang sama"] == "6"
    assert classes["Dari provinsi lain"] == "14"
    assert _series(data.regencies)["Kota Kupang"] == "3"
    assert _series(data.provinces)["Jawa Timur"] == "12"
    destinations = _series(data.destination_regencies)
    assert destinations["Kabupaten Kediri"] == "8" and destinations["Kabupaten Kupang"] == "2"


def test_kemensos_view_shows_less_than_five_for_the_three_kupang_residents(world, users, login):
    client = login(users[Role.KEMENSOS_ANALYST])
    response = client.get(reverse("reports:origins"), {"region": "53.71"})
    data = response.context["data"]
    classes = _series(data.classes)
    assert classes["Warga kabupaten/kota setempat"] == "<5"
    # With the total shown, a second cell is hidden so the 3 cannot be recomputed (23 − 6 − 14).
    assert "×" in classes.values()
    assert data.classes.total.text == "23"
    regencies = _series(data.regencies)
    assert regencies["Kota Kupang"] == "<5"
    assert sum(1 for text in regencies.values() if text in ("<5", "×")) >= 2
    # The repatriations: two to Kabupaten Kupang are suppressed too.
    assert _series(data.destination_regencies)["Kabupaten Kupang"] == "<5"
    html = response.content.decode()
    assert "&lt;5" in html
    # The chart data carries nothing the table hides.
    charts = json.loads(re.search(r'<script id="report-charts" type="application/json">(.*?)</script>', html, re.S)[1])
    classes_chart = charts["origin-classes"]
    local_index = classes_chart["labels"].index("Warga kabupaten/kota setempat")
    assert classes_chart["series"][0]["data"][local_index] is None
    assert 3 not in [v for s in charts["origin-classes"]["series"] for v in s["data"]]


def test_every_suppressed_origin_table_keeps_its_totals_safe(world, users, login):
    """No suppressed count can be recomputed from what the analyst's page shows."""
    client = login(users[Role.KEMENSOS_ANALYST])
    data = client.get(reverse("reports:origins")).context["data"]
    for series in (data.classes, data.provinces, data.regencies, data.destination_provinces):
        hidden = [c for c in series.cells if c.suppressed]
        assert len(hidden) != 1, series.title
    for r, row in enumerate(data.by_unit.grid.cells):
        line = [*row, data.by_unit.grid.row_totals[r]]
        assert sum(1 for c in line if c.suppressed) != 1


# --- Monthly report -----------------------------------------------------------------------------


def _sheet_rows(content: bytes, sheet: str) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_monthly_report_on_demand_as_xlsx_and_pdf(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    params = {"month": "2019-10"}
    page = client.get(reverse("reports:monthly"), params)
    assert page.status_code == 200
    figures = page.context["figures"]
    assert figures["scope_label"].startswith("Kota Kupang") and not figures["protected"]

    xlsx = client.get(reverse("reports:monthly"), params | {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    progress = _sheet_rows(xlsx.content, "Capaian")
    header, kd = progress[0], progress[1]
    assert kd[0] == "Karang Dempel"
    assert kd[header.index("Terdaftar (kumulatif)")] == 23
    assert kd[header.index("Dipulangkan bulan ini")] == 10
    assert kd[header.index("Lulus pelatihan (kumulatif)")] == 3
    stages = _sheet_rows(xlsx.content, "Tahap kasus")
    assert stages[1][stages[0].index("Reintegrasi")] == 10 and stages[1][-1] == 23
    assert kd[header.index("Menerima bantuan (kumulatif)")] == 3
    assert kd[-1] == Decimal("15000000") or float(kd[-1]) == 15000000
    money = _sheet_rows(xlsx.content, "Anggaran")
    assert money[1][0] == "5.1.02.01" and float(money[1][3]) == 300000000

    pdf = client.get(reverse("reports:monthly"), params | {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "Laporan perkembangan bulanan" in text and "Oktober 2019" in text
    assert "Karang Dempel" in text and "DRAF" in text
    assert re.search(r"Karang Dempel\s+23\s+0\s+10\s+10\s+0\s+3", text), text
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="reports.monthly").count() == 2


def test_monthly_report_for_publication_is_protected(world, users, login):
    client = login(users[Role.PROVINCE_OFFICER])
    xlsx = client.get(reverse("reports:monthly"), {"month": "2019-10", "format": "xlsx"})
    progress = _sheet_rows(xlsx.content, "Capaian")
    header, kd = progress[0], progress[1]
    assert kd[header.index("Terdaftar (kumulatif)")] == 23
    assert kd[header.index("Lulus pelatihan (kumulatif)")] == "<5"
    text = _pdf_text(client.get(reverse("reports:monthly"), {"month": "2019-10", "format": "pdf"}).content)
    assert "<5" in text and "1–4" in text.replace("1-4", "1–4")


def test_monthly_report_refuses_a_region_outside_the_scope_and_a_future_month(world, users, login):
    client = login(users[Role.HEAD_OF_DINSOS])
    response = client.get(reverse("reports:monthly"), {"month": "2019-10", "region": "64.02"})
    assert response.context["figures"] is None and response.context["form"].errors["region"]
    future = (timezone.localdate() + dt.timedelta(days=62)).strftime("%Y-%m")
    assert client.get(reverse("reports:monthly"), {"month": future}).context["form"].errors["month"]


def test_draft_signed_then_sent_and_never_changed(world, users, login, make_user, orgs):
    head = users[Role.HEAD_OF_DINSOS]
    client = login(head)
    response = client.post(reverse("reports:generate"), {"month": "2019-10"})
    report = MonthlyReport.objects.get()
    assert response.url == reverse("reports:report_detail", args=[report.pk])
    assert report.status == ReportStatus.DRAFT and report.region_id == "53.71" and report.figures["protected"]

    # The level above sees nothing until it is sent.
    province = make_user(Role.PROVINCE_OFFICER, organisation=orgs["dinsos_ntt"], region="53", username="provinsi2")
    assert login(province).get(reverse("reports:report_detail", args=[report.pk])).status_code == 404

    client = login(head)
    client.post(reverse("reports:sign", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED and report.signed_by == head and len(report.fingerprint) == 64
    assert "Ditandatangani oleh" in _pdf_text(bytes(report.pdf))
    assert report.fingerprint[:16] in _pdf_text(bytes(report.pdf))

    # A signed report cannot change: not by regenerating, not by saving.
    client.post(reverse("reports:generate"), {"month": "2019-10"})
    assert MonthlyReport.objects.get().figures == report.figures
    report.figures = {"tampered": True}
    with pytest.raises(ValueError):
        report.save()
    report.refresh_from_db()

    client.post(reverse("reports:send", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.sent_by == head
    province_client = login(province)
    assert province_client.get(reverse("reports:report_detail", args=[report.pk])).status_code == 200
    downloaded = province_client.get(reverse("reports:report_file", args=[report.pk, "xlsx"]))
    assert downloaded.content == bytes(report.xlsx)
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(report.pk)).exists()
    listed = province_client.get(reverse("reports:report_list")).context["reports"]
    assert [r.pk for r in listed] == [report.pk]


def test_only_the_head_of_its_own_region_signs(world, users, login, make_user, orgs):
    report = services.generate(region=Region.objects.get(code="53.71"), month=dt.date(2019, 10, 1))
    kukar_head = make_user(Role.HEAD_OF_DINSOS, organisation=orgs["dinsos_kukar"], region="64.02", username="kadis2")
    client = login(kukar_head)
    assert client.post(reverse("reports:sign", args=[report.pk])).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_scheduled_generation(world, users):
    call_command("generate_monthly_reports", "--month", "2019-10", verbosity=0)
    reports = {r.region_id: r for r in MonthlyReport.objects.all()}
    assert set(reports) == {"53.71", "64.02", "35.06"}
    assert all(r.generated_by is None and r.status == ReportStatus.DRAFT for r in reports.values())
    services.sign(reports["53.71"], actor=users[Role.HEAD_OF_DINSOS])
    # Run again: drafts are refreshed, the signed one is left alone.
    call_command("generate_monthly_reports", "--month", "2019-10", verbosity=0)
    assert MonthlyReport.objects.get(region_id="53.71").status == ReportStatus.SIGNED
    assert MonthlyReport.objects.count() == 3


def test_analyst_cannot_open_a_person_record(world, users, login):
    client = login(users[Role.KEMENSOS_ANALYST])
    person = world["local"][0]
    assert client.get(reverse("people:detail", args=[person.case_code])).status_code == 403
    assert client.get(reverse("people:list")).status_code == 403
    html = client.get(reverse("reports:origins")).content.decode()
    assert person.case_code not in html


# --- The demo at each level ----------------------------------------------------------------------


def test_the_demo_dashboards_at_each_level(regions, login):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from demo.scenario import load_scenario

    load_scenario()
    users = {u.username: u for u in User.objects.all()}
    for user in users.values():
        TOTPDevice.objects.create(user=user, name="uji", confirmed=True)

    national = login(users["analis.kemensos"]).get(reverse("reports:dashboard"))
    rows = _breakdown(national)
    assert rows["Nusa Tenggara Timur"][2] == "147"  # Karang Dempel's residents
    assert rows["Kalimantan Timur"][0] == "12"  # Kutai Kartanegara's twelve sites
    assert "Jawa Timur" in rows  # Kediri
    origins = login(users["analis.kemensos"]).get(reverse("reports:origins"))
    assert _series(origins.context["data"].regencies)["Kota Kupang"] == "<5"

    province = login(users["petugas.ntt"]).get(reverse("reports:dashboard"))
    assert _breakdown(province)["Kota Kupang"][2] == "147"

    kupang = login(users["kadis.kupang"]).get(reverse("reports:dashboard"))
    assert _breakdown(kupang)["Karang Dempel"][2] == "147"
    kupang_origins = login(users["kadis.kupang"]).get(reverse("reports:origins"))
    assert _series(kupang_origins.context["data"].regencies)["Kota Kupang"] == "3"

    kukar = login(users["kadis.kukar"]).get(reverse("reports:dashboard"))
    assert len(_breakdown(kukar)) == 12
    assert kukar.context["data"].sites_by_status.total.text == "12"

    kediri = login(users["kadis.kediri"]).get(reverse("reports:dashboard"))
    assert kediri.status_code == 200 and kediri.context["data"].scope_label.startswith("Kabupaten Kediri")
    jatim = login(users["petugas.jatim"]).get(reverse("reports:dashboard"))
    assert jatim.context["data"].unit == "regency"


def test_origin_tables_do_not_give_each_other_away(world, users, login):
    """The class table and the kabupaten/kota table describe the same people: "same province" is
    every NTT kabupaten/kota but Kota Kupang. Shown side by side they must not let the reader
    recompute the three residents of Kota Kupang (23 − Kabupaten Kupang − other provinces)."""
    client = login(users[Role.KEMENSOS_ANALYST])
    data = client.get(reverse("reports:origins"), {"region": "53.71"}).context["data"]
    classes = {label: cell for label, cell, _href in data.classes.rows}
    regencies = {label: cell for label, cell, _href in data.regencies.rows}
    provinces = {label: cell for label, cell, _href in data.provinces.rows}
    # Unknowns: every hidden cell of the three tables; equations: what a reader can write.
    hidden = [("class", k) for k, c in classes.items() if c.suppressed]
    hidden += [("regency", k) for k, c in regencies.items() if c.suppressed]
    hidden += [("province", k) for k, c in provinces.items() if c.suppressed]
    index = {key: i for i, key in enumerate(hidden)}

    def row(*terms):
        vector = [Fraction(0)] * len(hidden)
        for sign, key in terms:
            if key in index:
                vector[index[key]] += sign
        return vector

    same, local, other = (
        "Dari kabupaten/kota lain di provinsi yang sama",
        "Warga kabupaten/kota setempat",
        "Dari provinsi lain",
    )
    ntt_regencies = [k for k in regencies if k in ("Kota Kupang", "Kabupaten Kupang")]
    equations = [
        row(*[(1, ("class", k)) for k in classes]),
        row(*[(1, ("regency", k)) for k in regencies]),
        row(*[(1, ("province", k)) for k in provinces]),
        row((1, ("class", local)), (-1, ("regency", "Kota Kupang"))),
        row((1, ("class", same)), *[(-1, ("regency", k)) for k in ntt_regencies if k != "Kota Kupang"]),
        row((1, ("province", "Nusa Tenggara Timur")), *[(-1, ("regency", k)) for k in ntt_regencies]),
        row((1, ("class", other)), (-1, ("province", "Jawa Timur")), (-1, ("province", "Jawa Barat"))),
    ]
    base = _rank(equations)
    for key, i in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[i] = Fraction(1)
        assert _rank([*equations, unit]) > base, f"{key} can be recomputed"


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix if any(r)]
    rank = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank
