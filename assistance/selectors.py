"""Reads: who is eligible (in the database), preview totals against the budget, explained rows,
runs, and the finance report. Scoping goes through ``access.policy``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat, Least, RowNumber
from django.utils.functional import cached_property

from access import policy
from people.models import Person
from regions.models import Region, within_q

from . import duplicates, ledger, rules
from .models import (
    ACTIVE_STATUSES,
    MONEY,
    AmountRule,
    AssistanceProgramme,
    BudgetLine,
    Cycle,
    Entitlement,
    EntitlementRun,
)

MONEY_FIELD = DecimalField(**MONEY)


# --- Who is eligible -------------------------------------------------------------------------


def population(programme: AssistanceProgramme) -> QuerySet[Person]:
    """Everyone registered in the programme's region (its budget owner's), not anonymised."""
    return Person.objects.filter(within_q("scope_region_code", programme.scope_region_code), anonymised_at__isnull=True)


def _active_in_cycle(cycle: Cycle) -> QuerySet[Entitlement]:
    return Entitlement.objects.filter(cycle_id=cycle.pk, status__in=ACTIVE_STATUSES)


def in_cycle_q(cycle: Cycle) -> Q:
    """Already proposed, approved or paid in this cycle: the same record or the same NIK."""
    active = _active_in_cycle(cycle)
    return Q(Exists(active.filter(person=OuterRef("pk")))) | Q(Exists(active.filter(identity_key=OuterRef("nik_hash"))))


def _rule_and_context(cycle: Cycle, rule: dict | None = None) -> tuple[dict, rules.RuleContext]:
    programme = cycle.programme
    return (programme.eligibility if rule is None else rule) or {}, rules.RuleContext.for_cycle(cycle)


def duplicates_to_skip(cycle: Cycle, meeting_rule: QuerySet[Person]) -> set[int]:
    """Records resolved as the same person as another (``matching``): at most one of them is
    proposed, none if another already holds a place in the cycle. Two small queries when the
    matching app has groups, none otherwise — whatever the number of people."""
    groups = duplicates.groups()
    if not groups:
        return set()
    members = set().union(*groups)
    holding = set(_active_in_cycle(cycle).filter(person_id__in=members).values_list("person_id", flat=True))
    eligible_members = set(meeting_rule.filter(pk__in=members).values_list("pk", flat=True))
    return duplicates.skipped_for_cycle(groups, holding=holding, eligible=eligible_members)


def eligibility(cycle: Cycle, *, rule: dict | None = None) -> tuple[dict, Q]:
    """(annotations, Q) on the programme's population: meets the rule, holds no place in the
    cycle (same record or same NIK), is not a resolved duplicate of someone who does."""
    rule, ctx = _rule_and_context(cycle, rule)
    annotations, rule_q = rules.compile_rule(rule, ctx)
    q = rule_q & ~in_cycle_q(cycle)
    skip = duplicates_to_skip(cycle, population(cycle.programme).annotate(**annotations).filter(rule_q))
    if skip:
        q &= ~Q(pk__in=skip)
    return annotations, q


def eligible(cycle: Cycle, *, rule: dict | None = None, compiled: tuple[dict, Q] | None = None) -> QuerySet[Person]:
    """People who would be proposed in this cycle now (before the one-record-per-NIK choice of
    ``candidates``). One query, evaluated by the database. ``compiled``: ``eligibility()`` already
    computed for this request."""
    annotations, q = compiled or eligibility(cycle, rule=rule)
    return population(cycle.programme).annotate(**annotations).filter(q)


def candidates(cycle: Cycle, *, compiled: tuple[dict, Q] | None = None) -> QuerySet[Person]:
    """Who a run proposes: the eligible, one record per NIK (the first), with identity key and amount."""
    return (
        eligible(cycle, compiled=compiled)
        .annotate(_key=identity_key_expression(), _amount=amount_expression(cycle.programme))
        .annotate(_rank=Window(RowNumber(), partition_by=[F("_key")], order_by=F("pk").asc()))
        .filter(_rank=1)
    )


def _actual_cost() -> Subquery:
    """The person's recorded repatriation cost (the latest active repatriation), if any."""
    from repatriation.models import Repatriation, RepatriationStatus

    return Subquery(
        Repatriation.objects.filter(case__person=OuterRef("pk"), cost__gt=0)
        .exclude(status=RepatriationStatus.CANCELLED)
        .order_by("-created_at", "-pk")
        .values("cost")[:1],
        output_field=MONEY_FIELD,
    )


def amount_expression(programme: AssistanceProgramme):
    """Each person's amount: the fixed amount, rate × days, or the actual cost up to the cap
    (the cap when no cost is recorded yet — shown as such in the preview)."""
    per_person = programme.per_person_amount
    if per_person is not None:
        return Value(per_person, output_field=MONEY_FIELD)
    cap = Value(programme.amount, output_field=MONEY_FIELD)
    return Least(Coalesce(_actual_cost(), cap, output_field=MONEY_FIELD), cap, output_field=MONEY_FIELD)


def identity_key_expression():
    """``duplicates.identity_key`` in SQL: the NIK blind index, else "p<id>"."""
    own = Concat(Value("p"), Cast("pk", CharField()), output_field=CharField())
    return Case(When(nik_hash="", then=own), default=F("nik_hash"), output_field=CharField())


@dataclass(frozen=True)
class Preview:
    people: int
    total: Decimal
    population: int
    figures: ledger.LineFigures
    per_person: Decimal | None
    # Rows on the eligible list (the same NIK at two sites is two rows but one person).
    eligible_rows: int = 0

    @property
    def remaining(self) -> Decimal:
        return self.figures.remaining

    @property
    def fits(self) -> bool:
        return self.total <= self.remaining

    @property
    def shortfall(self) -> Decimal:
        return max(self.total - self.remaining, Decimal("0"))

    def list_count(self, show: str) -> int:
        return {"eligible": self.eligible_rows, "not_eligible": self.population - self.eligible_rows}.get(
            show, self.population
        )


def _eligible_counts(qs: QuerySet[Person]) -> dict:
    """Rows, distinct NIKs and rows without NIK, in one pass. PostgreSQL groups by NIK (a hash
    aggregate) and sums: its COUNT(DISTINCT) sorts every row. SQLite counts distinct directly:
    grouping would make it walk the NIK index instead of the rule's own cheap conditions first."""
    if connection.vendor == "postgresql":
        return (
            qs.values("nik_hash")
            .annotate(n=Count("pk"))
            .aggregate(
                rows=Coalesce(Sum("n"), 0),
                niks=Count("nik_hash", filter=~Q(nik_hash="")),
                without_nik=Coalesce(Sum("n", filter=Q(nik_hash="")), 0),
            )
        )
    return qs.aggregate(
        rows=Count("pk"),
        niks=Count("nik_hash", distinct=True, filter=~Q(nik_hash="")),
        without_nik=Count("pk", filter=Q(nik_hash="")),
    )


def preview(cycle: Cycle, *, compiled: tuple[dict, Q] | None = None) -> Preview:
    """How many would be proposed now and for how much, against what is left on the line — the
    same people a run would take (one per NIK). The rule filters in the database (so cheap
    conditions spare the costly ones); the population is a plain count."""
    programme = cycle.programme
    compiled = compiled or eligibility(cycle)
    counts = _eligible_counts(eligible(cycle, compiled=compiled).order_by())
    per_person = programme.per_person_amount
    if per_person is not None:
        people = counts["niks"] + counts["without_nik"]
        total = per_person * people
    else:
        # Amounts differ per person: the run's own selection, summed.
        row = candidates(cycle, compiled=compiled).aggregate(n=Count("pk"), total=Sum("_amount"))
        people, total = row["n"] or 0, row["total"] or Decimal("0")
    return Preview(
        people=people,
        total=Decimal(total),
        population=population(programme).count(),
        figures=ledger.line_figures(programme.budget_line),
        per_person=per_person,
        eligible_rows=counts["rows"],
    )


SHOW_CHOICES = ("eligible", "not_eligible", "all")


def preview_rows(
    cycle: Cycle, *, show: str = "eligible", case_code: str = "", compiled: tuple[dict, Q] | None = None
) -> QuerySet[Person]:
    """People of the programme's population with everything needed to explain each one:
    the value of every field, one boolean per condition, "already in this cycle", the amount."""
    programme = cycle.programme
    rule, ctx = _rule_and_context(cycle)
    annotations = rules.explanation_annotations(rule, ctx)
    annotations["_in_cycle"] = ExpressionWrapper(in_cycle_q(cycle), output_field=BooleanField())
    qs = population(programme).annotate(**annotations)
    _annotations, eligible_q = compiled or eligibility(cycle)
    if show == "eligible":
        qs = qs.filter(eligible_q)
    elif show == "not_eligible":
        qs = qs.exclude(eligible_q)
    if case_code:
        qs = qs.filter(case_code__icontains=case_code.strip())
    qs = qs.annotate(_amount=amount_expression(programme))
    if programme.amount_rule == AmountRule.ACTUAL_CAPPED:
        qs = qs.annotate(_actual=_actual_cost())
    return qs.select_related("registered_site").order_by("case_code")


class CountedPaginator(Paginator):
    """A paginator told its count (already computed by ``preview``) instead of counting again."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass(frozen=True)
class ExplainedRow:
    person: Person
    explanation: rules.Explanation
    amount: Decimal | None
    # Actual-cost programmes: False when no cost is recorded yet (the cap is used).
    cost_recorded: bool = True

    def __iter__(self):
        # (person, explanation) unpacking for callers that need only those two.
        return iter((self.person, self.explanation))


def explain(cycle: Cycle, rows) -> list[ExplainedRow]:
    """Plain-language reasons for the rows of one page (one extra query for place names)."""
    rule = cycle.programme.eligibility or {}
    rows = list(rows)
    codes = {getattr(r, "_d_site_regency", None) for r in rows} - {None}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    explained = []
    for row in rows:
        explanation = rules.explain_row(rule, row, already_in_cycle=bool(row._in_cycle), regency_names=names)
        explained.append(
            ExplainedRow(
                person=row,
                explanation=explanation,
                amount=getattr(row, "_amount", None),
                cost_recorded=getattr(row, "_actual", True) is not None,
            )
        )
    return explained


# --- Lists -----------------------------------------------------------------------------------


def budget_lines(user, *, fiscal_year: int | None = None) -> QuerySet[BudgetLine]:
    qs = policy.scope_budget_lines(user, BudgetLine.objects.select_related("owner_organisation"))
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs


def programmes(user, *, budget_line: BudgetLine | None = None) -> QuerySet[AssistanceProgramme]:
    qs = policy.scope_assistance_programmes(
        user, AssistanceProgramme.objects.select_related("budget_line", "budget_line__owner_organisation")
    )
    if budget_line is not None:
        qs = qs.filter(budget_line=budget_line)
    return qs


def runs(user, *, programme: AssistanceProgramme | None = None) -> QuerySet[EntitlementRun]:
    qs = policy.scope_entitlement_runs(
        user, EntitlementRun.objects.select_related("cycle", "programme", "proposed_by", "approved_by")
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs


def run_status_counts(run: EntitlementRun) -> dict[str, dict]:
    """{status: {"n": people, "total": amount}} for one run, in one query."""
    rows = run.entitlements.order_by().values("status").annotate(n=Count("pk"), total=Sum("amount"))
    return {row["status"]: row for row in rows}


def run_entitlements(run: EntitlementRun, *, status: str = "", case_code: str = "") -> QuerySet[Entitlement]:
    qs = run.entitlements.select_related("person", "site")
    if status:
        qs = qs.filter(status=status)
    if case_code:
        qs = qs.filter(person__case_code__icontains=case_code.strip())
    return qs.order_by("person__case_code")
