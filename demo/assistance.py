"""Demo assistance for Karang Dempel, Kota Kupang (seeds 000–002 and the public figures).

- Kota Kupang's Rp 300.000.000 from APBD 2019 for repatriation: "Transport pemulangan" for those
  going home (case pathway: repatriation), each the recorded fare up to Rp 1.500.000.
- "Dana PEM Kota Kupang 2019": the city's economic-empowerment fund, for city residents only
  (domicile = the site's kabupaten/kota, adults): the 3 Kota Kupang residents; everyone else is
  told why not.
- The Kemensos package from APBN through the city: Rp 5.050.000 per adult = jaminan hidup
  Rp 1.800.000 (3 months) + UEP Rp 3.000.000 + transport Rp 250.000; approved for everyone
  eligible, paid in part so far, with receipts.

Every run is proposed by the case worker, approved by the head of Dinsos and paid by the finance
officer, through the same services as the pages. Cases made by the other demo modules
(repatriation, training) are reused; missing ones are opened here. Idempotent: a second run
changes nothing. People are synthetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from assistance import services
from assistance.models import AmountRule, AssistanceProgramme, BudgetLine, Cycle, EntitlementStatus, FundingSource
from cases.models import Case, CaseStatus, Pathway
from census.models import CensusRound, RoundKind
from organisations.models import Organisation
from people.models import Person
from sites.models import Site

KOTA_KUPANG = "53.71"
KAB_KEDIRI = "35.06"
FISCAL_YEAR = 2019
OPENED_ON = dt.date(2019, 1, 7)
# As in demo.repatriation: 54 residents went home on 4 October 2019.
REPATRIATED = 54

# key: (code, name, source, amount)
LINES = {
    "pemulangan": (
        "1.06.01.2.02.5.1.02.01",
        "Pemulangan eks penghuni lokalisasi KD",
        FundingSource.APBD_REGENCY,
        Decimal("300000000"),
    ),
    "pem": (
        "1.06.01.2.02.5.1.02.02",
        "Dana pemberdayaan ekonomi masyarakat (PEM) eks penghuni lokalisasi KD",
        FundingSource.APBD_REGENCY,
        Decimal("25000000"),
    ),
    "kemensos": (
        "APBN-KEMENSOS-2019-KD",
        "Bantuan Kemensos bagi eks penghuni lokalisasi Karang Dempel",
        FundingSource.APBN_KEMENSOS,
        Decimal("742350000"),  # 147 × Rp 5.050.000
    ),
}

ADULT = {"field": "age", "operator": "gte", "value": 18}
KEMENSOS_COMPONENTS = [
    {"label": "Jaminan hidup 3 bulan", "amount": "1800000.00"},
    {"label": "Usaha ekonomi produktif (UEP)", "amount": "3000000.00"},
    {"label": "Transport pulang", "amount": "250000.00"},
]

# key: (line key, name, amount rule, amount, components, rule, cycle (name, start, end), payment)
# payment: (how many are paid — None for all —, method, reference, paid on)
PROGRAMMES = {
    "pem": (
        "pem",
        "Dana PEM Kota Kupang 2019",
        AmountRule.FIXED,
        Decimal("5000000"),
        [],
        {"op": "and", "conditions": [{"field": "domicile_local", "operator": "is", "value": True}, ADULT]},
        ("2019", dt.date(2019, 1, 7), dt.date(2019, 12, 31)),
        (None, "cash", "", dt.date(2019, 2, 15)),
    ),
    "transport": (
        "pemulangan",
        "Transport pemulangan",
        AmountRule.ACTUAL_CAPPED,
        Decimal("1500000"),
        [],
        {"op": "and", "conditions": [{"field": "pathway", "operator": "eq", "value": Pathway.REPATRIATION}]},
        ("Pemulangan 4 Oktober 2019", dt.date(2019, 9, 1), dt.date(2019, 10, 31)),
        (None, "transfer", "SP2D/0917/DINSOS/2019", dt.date(2019, 10, 2)),
    ),
    "kemensos": (
        "kemensos",
        "Paket bantuan Kemensos (jaminan hidup, UEP, transport)",
        AmountRule.FIXED,
        Decimal("5050000"),
        KEMENSOS_COMPONENTS,
        {"op": "and", "conditions": [ADULT]},
        ("2019", dt.date(2019, 1, 7), dt.date(2019, 12, 31)),
        (40, "transfer", "KEMENSOS/REHSOS/2019/KD-1", dt.date(2019, 3, 18)),
    ),
}


def _open_cases(people: list[Person], *, orgs, site, head, worker) -> None:
    """Local empowerment for the city's residents, repatriation for the 54 going home (chosen as
    demo.repatriation chooses them) — unless a case is open already (then it is reused)."""
    from cases.services import case_open, plan_set

    def ensure(person: Person, pathway: str, goals: str) -> None:
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

    for person in people:
        if person.origin_regency_id == KOTA_KUPANG:
            ensure(person, Pathway.LOCAL_EMPOWERMENT, "Pelatihan keterampilan dan modal usaha di Kota Kupang.")
    going = [
        p
        for p in people
        if p.origin_regency_id and p.origin_regency_id != KOTA_KUPANG and not p.is_child and not p.trafficking_flag
    ]
    first = [p for p in going if p.origin_regency_id.startswith("53.") or p.origin_regency_id == KAB_KEDIRI]
    rest = [p for p in going if p not in first]
    for person in (first + rest)[:REPATRIATED]:
        ensure(person, Pathway.REPATRIATION, "Pulang ke daerah asal dan bimbingan lanjut oleh Dinsos setempat.")


def _line(key: str, owner: Organisation, head: User) -> BudgetLine:
    code, name, source, amount = LINES[key]
    line = BudgetLine.objects.filter(owner_organisation=owner, fiscal_year=FISCAL_YEAR, code=code).first()
    if line is None:
        line = services.budget_line_create(
            actor=head,
            owner_organisation=owner,
            fiscal_year=FISCAL_YEAR,
            source=source,
            code=code,
            name=name,
            amount=amount,
        )
    return line


def _programme(key: str, lines: dict[str, BudgetLine], head: User) -> tuple[AssistanceProgramme, Cycle]:
    line_key, name, rule_kind, amount, components, rule, (cycle_name, starts, ends), _payment = PROGRAMMES[key]
    line = lines[line_key]
    programme = AssistanceProgramme.objects.filter(budget_line=line, name=name).first()
    if programme is None:
        programme = services.programme_create(
            actor=head, budget_line=line, name=name, amount_rule=rule_kind, amount=amount, components=components
        )
        services.programme_set_rule(actor=head, programme=programme, rule=rule)
    cycle = programme.cycles.filter(name=cycle_name).first()
    if cycle is None:
        cycle = services.cycle_create(actor=head, programme=programme, name=cycle_name, starts_on=starts, ends_on=ends)
    return programme, cycle


def _run(key: str, cycle: Cycle, *, head: User, worker: User, finance: User) -> None:
    """Propose, approve and pay (all or the first few) — once."""
    if cycle.runs.exists():
        return
    run = services.run_propose(actor=worker, cycle=cycle)
    services.run_approve(actor=head, run=run)
    count, method, reference, paid_on = PROGRAMMES[key][-1]
    approved = list(run.entitlements.filter(status=EntitlementStatus.APPROVED).order_by("person__case_code"))
    services.entitlements_disburse(
        actor=finance, entitlements=approved[:count], method=method, reference=reference, paid_on=paid_on
    )


@transaction.atomic
def seed_assistance(orgs: dict[str, Organisation]) -> None:
    site = Site.objects.filter(regency_code=KOTA_KUPANG, short_code="KD").first()
    final = CensusRound.objects.filter(site=site, kind=RoundKind.FINAL).order_by("-held_on").first() if site else None
    if final is None:
        return
    head = User.objects.get(username="kadis.kupang")
    worker = User.objects.get(username="peksos.kupang")
    finance = User.objects.get(username="bendahara.kupang")
    people = list(Person.objects.filter(census_entries__round=final).order_by("case_code"))
    _open_cases(people, orgs=orgs, site=site, head=head, worker=worker)
    owner = orgs["dinsos_kupang"]
    lines = {key: _line(key, owner, head) for key in LINES}
    for key in PROGRAMMES:
        _programme_obj, cycle = _programme(key, lines, head)
        _run(key, cycle, head=head, worker=worker, finance=finance)
