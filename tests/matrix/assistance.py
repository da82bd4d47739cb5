"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

from accounts.models import Role

# BUDGET_VIEW: budget lines, programmes, aggregate reports — the Kemensos analyst too (no person data).
BUDGET_READERS = frozenset(
    {Role.KEMENSOS_ANALYST, Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.FINANCE_OFFICER}
)
# ASSISTANCE_VIEW: runs and entitlements by case code, the ledger by entry.
TEAM = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER, Role.FINANCE_OFFICER})
BUDGET_MANAGERS = frozenset({Role.HEAD_OF_DINSOS, Role.FINANCE_OFFICER})
PROGRAMME_MANAGERS = frozenset({Role.HEAD_OF_DINSOS, Role.PROVINCE_OFFICER})
PROPOSERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
APPROVERS = frozenset({Role.HEAD_OF_DINSOS})
FINANCE = frozenset({Role.FINANCE_OFFICER})

REASON = {"reason": "Uji matriks akses"}

ENTRIES: dict = {
    "assistance:index": (None, "get", BUDGET_READERS, {}),
    "assistance:report": (None, "get", BUDGET_READERS, {}),
    "assistance:report_export": (None, "get", BUDGET_READERS, {}),
    "assistance:budget_create": (None, "get", BUDGET_MANAGERS, {}),
    "assistance:budget_detail": ("budget_line", "get", BUDGET_READERS, {}),
    "assistance:budget_edit": ("budget_line", "get", BUDGET_MANAGERS, {}),
    "assistance:budget_ledger": ("budget_line", "get", TEAM, {}),
    "assistance:programme_create": (None, "get", PROGRAMME_MANAGERS, {}),
    "assistance:programme_detail": ("assistance_programme", "get", BUDGET_READERS, {}),
    "assistance:programme_edit": ("assistance_programme", "get", PROGRAMME_MANAGERS, {}),
    "assistance:programme_rules": ("assistance_programme", "get", PROGRAMME_MANAGERS, {}),
    "assistance:rule_row": (None, "get", PROGRAMME_MANAGERS, {}),
    "assistance:cycle_create": ("assistance_programme", "get", PROGRAMME_MANAGERS, {}),
    "assistance:cycle_preview": ("cycle", "get", PROPOSERS, {}),
    # Everyone eligible is already proposed in this cycle: the proposal is refused with a message (302).
    "assistance:run_propose": ("cycle", "post", PROPOSERS, {}),
    "assistance:run_detail": ("run", "get", TEAM, {}),
    # Proposed by the case worker: the head of Dinsos approves.
    "assistance:run_approve": ("run", "post", APPROVERS, {}),
    "assistance:run_cancel": ("run", "post", PROPOSERS, REASON),
    "assistance:run_disburse": ("paid_run", "get", FINANCE, {}),
    "assistance:run_payment_list": ("paid_run", "get", FINANCE, {}),
    "assistance:entitlement_detail": ("entitlement", "get", TEAM, {}),
    "assistance:entitlement_disburse": ("approved_entitlement", "get", FINANCE, {}),
    "assistance:entitlement_cancel": ("entitlement", "post", PROPOSERS, REASON),
    "assistance:entitlement_reverse": ("paid_entitlement", "post", FINANCE, REASON),
    "assistance:receipt": ("paid_entitlement", "get", FINANCE, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    """A budget line with a programme and two cycles for ``person``: in the first a run proposed by
    the case worker; in the second an approved run in which she was paid. A second approved
    entitlement (same person, a third cycle) waits for payment."""
    import datetime as dt
    from decimal import Decimal

    from assistance import services
    from assistance.models import AmountRule, FundingSource

    head, worker, finance = users[Role.HEAD_OF_DINSOS], users[Role.CASE_WORKER], users[Role.FINANCE_OFFICER]
    line = services.budget_line_create(
        actor=head,
        owner_organisation=orgs["dinsos_kupang"],
        fiscal_year=2019,
        source=FundingSource.APBD_REGENCY,
        code="MATRIKS.01",
        name="Mata anggaran uji",
        amount=Decimal("10000000000"),
    )
    programme = services.programme_create(
        actor=head, budget_line=line, name="Program uji", amount_rule=AmountRule.FIXED, amount=Decimal("5050000")
    )

    def cycle(name: str):
        return services.cycle_create(
            actor=head, programme=programme, name=name, starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2019, 12, 31)
        )

    first, second, third = cycle("Tahap 1"), cycle("Tahap 2"), cycle("Tahap 3")
    proposed = services.run_propose(actor=worker, cycle=first)
    paid_run = services.run_propose(actor=worker, cycle=second)
    services.run_approve(actor=head, run=paid_run)
    paid = paid_run.entitlements.get(person=person)
    services.entitlements_disburse(actor=finance, entitlements=[paid], method="cash", paid_on=dt.date(2019, 3, 1))
    waiting_run = services.run_propose(actor=worker, cycle=third)
    services.run_approve(actor=head, run=waiting_run)
    return {
        "budget_line": {"pk": line.pk},
        "assistance_programme": {"pk": programme.pk},
        "cycle": {"pk": first.pk},
        "run": {"pk": proposed.pk},
        "paid_run": {"pk": paid_run.pk},
        "entitlement": {"pk": proposed.entitlements.get(person=person).pk},
        "approved_entitlement": {"pk": waiting_run.entitlements.get(person=person).pk},
        "paid_entitlement": {"pk": paid.pk},
    }
