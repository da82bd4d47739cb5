"""Eligibility rules written by an authorised user, without code.

A rule is a small JSON tree stored on the programme::

    {"op": "and", "conditions": [
        {"field": "domicile_local", "operator": "is", "value": true},
        {"field": "age", "operator": "gte", "value": 18},
        {"op": "or", "conditions": [...]},          # a nested group (depth ≤ 3)
    ]}

``validate_rule`` checks it strictly (messages in Bahasa Indonesia) and returns its normal form.
``compile_rule`` turns it into annotations + one ``Q`` evaluated by the database: nobody is
loaded into Python to decide eligibility. ``explain_rows`` annotates each condition as a boolean
for the few rows shown on a page and turns them into plain-language reasons.

Every field is one ``FieldSpec``: its label, type, operators, the database expression of the
person's value, and how to say that value in words. Adding a field means adding a spec.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_DEPTH = 3
MAX_CONDITIONS = 30
GROUP_OPS = ("and", "or")

OPERATORS: dict[str, Any] = {
    "is": gettext_lazy("adalah"),
    "eq": gettext_lazy("sama dengan"),
    "ne": gettext_lazy("tidak sama dengan"),
    "in": gettext_lazy("salah satu dari"),
    "gte": gettext_lazy("paling sedikit"),
    "lte": gettext_lazy("paling banyak"),
}
GROUP_LABELS = {
    "and": gettext_lazy("Semua syarat harus terpenuhi (DAN)"),
    "or": gettext_lazy("Cukup salah satu (ATAU)"),
}
UNKNOWN = gettext_lazy("tidak diketahui")


@dataclass(frozen=True)
class RuleContext:
    """What a rule is evaluated against: the programme and the cycle (age is counted at the
    cycle's start; "already in this cycle" is this cycle)."""

    programme_id: int
    cycle_id: int | None
    reference_year: int

    @classmethod
    def for_cycle(cls, cycle) -> RuleContext:
        return cls(programme_id=cycle.programme_id, cycle_id=cycle.pk, reference_year=cycle.starts_on.year)

    @classmethod
    def for_programme(cls, programme, *, on: dt.date | None = None) -> RuleContext:
        return cls(programme_id=programme.pk, cycle_id=None, reference_year=(on or dt.date.today()).year)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Any
    kind: str  # "bool" | "int" | "choice"
    operators: tuple[str, ...]
    # The person's value as a database expression (also shown in the explanation).
    value: Callable[[RuleContext], Any]
    choices: Callable[[], list[tuple[str, str]]] | None = None
    minimum: int = 0
    maximum: int = 150
    unit: Any = ""
    # bool fields: how to say yes / no / unknown, e.g. "Berdomisili di kabupaten/kota lokalisasi".
    yes: Any = ""
    no: Any = ""
    unknown: Any = UNKNOWN
    help: Any = ""
    # Extra annotations used only to word the explanation (never in the eligibility query).
    display: Callable[[RuleContext], dict[str, Any]] = field(default=lambda ctx: {})


# --- Database expressions of the person's attributes ----------------------------------------


def _current_case(column: str) -> Subquery:
    """The person's current case: the open one (at most one), else the most recently opened."""
    from cases.models import Case as CaseModel
    from cases.models import CaseStatus

    open_first = Case(When(status=CaseStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Subquery(
        CaseModel.objects.filter(person=OuterRef("pk")).order_by(open_first, "-opened_on", "-pk").values(column)[:1]
    )


def _has_open_case(ctx: RuleContext):
    from cases.models import Case as CaseModel
    from cases.models import CaseStatus

    return Exists(CaseModel.objects.filter(person=OuterRef("pk"), status=CaseStatus.OPEN))


def _training_completed(ctx: RuleContext):
    from cases.models import Service, ServiceKind, ServiceStatus
    from training.models import Enrolment, EnrolmentStatus

    enrolment = Exists(Enrolment.objects.filter(case__person=OuterRef("pk"), status=EnrolmentStatus.COMPLETED))
    service = Exists(
        Service.objects.filter(case__person=OuterRef("pk"), kind=ServiceKind.TRAINING, status=ServiceStatus.COMPLETED)
    )
    return ExpressionWrapper(enrolment | service, output_field=BooleanField())


def _repatriated(ctx: RuleContext):
    from repatriation.models import Repatriation, RepatriationStatus

    return Exists(Repatriation.objects.filter(case__person=OuterRef("pk"), status=RepatriationStatus.HANDED_OVER))


def _received_programme(ctx: RuleContext):
    from .models import ACTIVE_STATUSES, Entitlement

    return Exists(
        Entitlement.objects.filter(person=OuterRef("pk"), programme_id=ctx.programme_id, status__in=ACTIVE_STATUSES)
    )


def _domicile_local(ctx: RuleContext):
    return ExpressionWrapper(Q(origin_regency_id=F("registered_site__regency_code")), output_field=BooleanField())


def _origin_class(ctx: RuleContext):
    from people.origin import origin_class_expression

    return origin_class_expression(
        site_regency="registered_site__regency_code", site_province="registered_site__province_code"
    )


def _age(ctx: RuleContext):
    return ExpressionWrapper(Value(ctx.reference_year) - F("birth_year"), output_field=IntegerField())


def _domicile_display(ctx: RuleContext) -> dict[str, Any]:
    return {"_d_origin_regency": F("origin_regency__name"), "_d_site_regency": F("registered_site__regency_code")}


# --- Choices ------------------------------------------------------------------------------


def _sex_choices():
    from people.models import Sex

    return list(Sex.choices)


def _origin_class_choices():
    from people.models import OriginClass

    return list(OriginClass.choices)


def _pathway_choices():
    from cases.models import Pathway

    return list(Pathway.choices)


def _stage_choices():
    from cases.models import Stage

    return list(Stage.choices)


def _province_choices():
    from regions.models import Level, Region

    return list(Region.objects.filter(level=Level.PROVINCE).order_by("code").values_list("code", "name"))


BOOL_OPS = ("is",)
INT_OPS = ("gte", "lte", "eq")
CHOICE_OPS = ("eq", "ne", "in")

FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec(
            "domicile_local",
            gettext_lazy("Berdomisili di kabupaten/kota lokalisasi"),
            "bool",
            BOOL_OPS,
            _domicile_local,
            yes=gettext_lazy("berdomisili di kabupaten/kota lokalisasi"),
            no=gettext_lazy("bukan warga kabupaten/kota lokalisasi"),
            unknown=gettext_lazy("daerah asal tidak diketahui"),
            help=gettext_lazy("Kabupaten/kota asal sama dengan kabupaten/kota tempat lokalisasi."),
            display=_domicile_display,
        ),
        FieldSpec(
            "origin_class",
            gettext_lazy("Golongan daerah asal"),
            "choice",
            CHOICE_OPS,
            _origin_class,
            choices=_origin_class_choices,
        ),
        FieldSpec(
            "origin_province",
            gettext_lazy("Provinsi asal"),
            "choice",
            CHOICE_OPS,
            lambda ctx: F("origin_province_id"),
            choices=_province_choices,
        ),
        FieldSpec(
            "age",
            gettext_lazy("Umur"),
            "int",
            INT_OPS,
            _age,
            minimum=0,
            maximum=120,
            unit=gettext_lazy("tahun"),
            help=gettext_lazy("Dihitung dari tahun lahir pada tahun mulai siklus."),
        ),
        FieldSpec(
            "sex", gettext_lazy("Jenis kelamin"), "choice", ("eq", "ne"), lambda ctx: F("sex"), choices=_sex_choices
        ),
        FieldSpec(
            "is_child",
            gettext_lazy("Anak (di bawah 18 tahun)"),
            "bool",
            BOOL_OPS,
            lambda ctx: F("is_child"),
            yes=gettext_lazy("tercatat sebagai anak"),
            no=gettext_lazy("tercatat sebagai dewasa"),
        ),
        FieldSpec(
            "trafficking_flag",
            gettext_lazy("Indikasi korban TPPO"),
            "bool",
            BOOL_OPS,
            lambda ctx: F("trafficking_flag"),
            yes=gettext_lazy("ada indikasi korban TPPO"),
            no=gettext_lazy("tidak ada indikasi korban TPPO"),
        ),
        FieldSpec(
            "dependent_children",
            gettext_lazy("Jumlah anak tanggungan"),
            "int",
            INT_OPS,
            lambda ctx: F("dependent_children"),
            maximum=30,
            unit=gettext_lazy("anak"),
        ),
        FieldSpec(
            "has_open_case",
            gettext_lazy("Memiliki kasus aktif"),
            "bool",
            BOOL_OPS,
            _has_open_case,
            yes=gettext_lazy("memiliki kasus aktif"),
            no=gettext_lazy("tidak memiliki kasus aktif"),
        ),
        FieldSpec(
            "pathway",
            gettext_lazy("Jalur kasus"),
            "choice",
            CHOICE_OPS,
            lambda ctx: _current_case("pathway"),
            choices=_pathway_choices,
            help=gettext_lazy("Jalur pada kasus aktif (atau kasus terakhir bila tidak ada yang aktif)."),
        ),
        FieldSpec(
            "stage",
            gettext_lazy("Tahap kasus"),
            "choice",
            CHOICE_OPS,
            lambda ctx: _current_case("stage"),
            choices=_stage_choices,
        ),
        FieldSpec(
            "training_completed",
            gettext_lazy("Telah lulus pelatihan keterampilan"),
            "bool",
            BOOL_OPS,
            _training_completed,
            yes=gettext_lazy("telah lulus pelatihan keterampilan"),
            no=gettext_lazy("belum lulus pelatihan keterampilan"),
        ),
        FieldSpec(
            "repatriated",
            gettext_lazy("Telah dipulangkan dan diserahterimakan"),
            "bool",
            BOOL_OPS,
            _repatriated,
            yes=gettext_lazy("telah dipulangkan dan diserahterimakan ke daerah asal"),
            no=gettext_lazy("belum dipulangkan/diserahterimakan"),
        ),
        FieldSpec(
            "received_programme",
            gettext_lazy("Pernah menerima bantuan program ini (siklus mana pun)"),
            "bool",
            BOOL_OPS,
            _received_programme,
            yes=gettext_lazy("sudah pernah diusulkan/menerima bantuan program ini"),
            no=gettext_lazy("belum pernah menerima bantuan program ini"),
        ),
    )
}


def field_choices() -> list[tuple[str, str]]:
    return [(key, str(spec.label)) for key, spec in FIELDS.items()]


# --- Validation ---------------------------------------------------------------------------


def _position(path: tuple[int, ...]) -> str:
    return ".".join(str(i + 1) for i in path)


def _choice_labels(spec: FieldSpec) -> dict[str, str]:
    return {code: str(label) for code, label in (spec.choices() if spec.choices else [])}


def _clean_value(spec: FieldSpec, operator: str, value: Any, where: str) -> Any:
    if spec.kind == "bool":
        if value in (True, "true", "True", "1", 1, "ya"):
            return True
        if value in (False, "false", "False", "0", 0, "tidak"):
            return False
        raise ValidationError(_("%(where)s: nilai harus Ya atau Tidak.") % {"where": where})
    if spec.kind == "int":
        if isinstance(value, bool):
            value = None
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError(_("%(where)s: nilai harus bilangan bulat.") % {"where": where}) from None
        if not spec.minimum <= number <= spec.maximum:
            raise ValidationError(
                _("%(where)s: nilai harus antara %(min)d dan %(max)d.")
                % {"where": where, "min": spec.minimum, "max": spec.maximum}
            )
        return number
    labels = _choice_labels(spec)
    values = value if isinstance(value, list | tuple) else [value]
    values = [str(v).strip() for v in values if v not in (None, "")]
    if not values:
        raise ValidationError(_("%(where)s: pilih nilainya.") % {"where": where})
    unknown = [v for v in values if v not in labels]
    if unknown:
        raise ValidationError(
            _("%(where)s: nilai “%(value)s” tidak dikenal untuk %(field)s.")
            % {"where": where, "value": ", ".join(unknown), "field": spec.label}
        )
    if operator == "in":
        return sorted(set(values))
    if len(values) > 1:
        raise ValidationError(
            _("%(where)s: hanya satu nilai untuk operator “%(op)s”; pakai “salah satu dari” untuk beberapa nilai.")
            % {"where": where, "op": OPERATORS[operator]}
        )
    return values[0]


def _validate_node(node: Any, path: tuple[int, ...], depth: int, counter: list[int]) -> dict:
    where = _("Syarat %(n)s") % {"n": _position(path)} if path else _("Aturan")
    if not isinstance(node, dict):
        raise ValidationError(_("%(where)s: bentuknya tidak dikenal.") % {"where": where})
    if "conditions" in node or "op" in node:
        if depth > MAX_DEPTH:
            raise ValidationError(
                _("%(where)s: kelompok bertingkat paling banyak %(n)d tingkat.") % {"where": where, "n": MAX_DEPTH}
            )
        op = node.get("op")
        if op not in GROUP_OPS:
            raise ValidationError(_("%(where)s: penggabung harus DAN atau ATAU.") % {"where": where})
        children = node.get("conditions")
        if not isinstance(children, list):
            raise ValidationError(_("%(where)s: daftar syarat tidak ada.") % {"where": where})
        if path and not children:
            raise ValidationError(_("%(where)s: kelompok tanpa syarat.") % {"where": where})
        extra = set(node) - {"op", "conditions"}
        if extra:
            raise ValidationError(
                _("%(where)s: isian tidak dikenal: %(keys)s.") % {"where": where, "keys": ", ".join(sorted(extra))}
            )
        return {
            "op": op,
            "conditions": [_validate_node(child, (*path, i), depth + 1, counter) for i, child in enumerate(children)],
        }
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise ValidationError(_("Paling banyak %(n)d syarat dalam satu aturan.") % {"n": MAX_CONDITIONS})
    extra = set(node) - {"field", "operator", "value"}
    if extra:
        raise ValidationError(
            _("%(where)s: isian tidak dikenal: %(keys)s.") % {"where": where, "keys": ", ".join(sorted(extra))}
        )
    key = node.get("field")
    spec = FIELDS.get(key) if isinstance(key, str) else None
    if spec is None:
        raise ValidationError(_("%(where)s: kolom “%(field)s” tidak dikenal.") % {"where": where, "field": key or "—"})
    where = f"{where} ({spec.label})"
    operator = node.get("operator")
    if operator not in spec.operators:
        allowed = ", ".join(str(OPERATORS[o]) for o in spec.operators)
        raise ValidationError(
            _("%(where)s: operator “%(op)s” tidak berlaku; pilih: %(allowed)s.")
            % {"where": where, "op": OPERATORS.get(operator, operator or "—"), "allowed": allowed}
        )
    if "value" not in node:
        raise ValidationError(_("%(where)s: nilai belum diisi.") % {"where": where})
    return {"field": key, "operator": operator, "value": _clean_value(spec, operator, node["value"], where)}


def validate_rule(rule: Any) -> dict:
    """The rule in normal form, or ValidationError with every message in plain Indonesian.
    An empty rule ({} or no conditions) means: no condition beyond the programme's region."""
    if rule in (None, {}, ""):
        return {"op": "and", "conditions": []}
    return _validate_node(rule, (), 1, [0])


def leaves(rule: dict) -> list[dict]:
    """The conditions of a (valid) rule in reading order."""
    found: list[dict] = []

    def walk(node: dict) -> None:
        if "conditions" in node:
            for child in node["conditions"]:
                walk(child)
        else:
            found.append(node)

    walk(rule or {"conditions": []})
    return found


# --- Compilation to the database -----------------------------------------------------------


def value_name(key: str) -> str:
    return f"_v_{key}"


def leaf_q(leaf: dict) -> Q:
    """One condition on the annotation of its field's value.

    Unknown (NULL) never satisfies a condition, and the explicit ``IS NOT NULL`` makes every
    condition true or false, never NULL: so NOT, AND and OR of conditions mean in SQL exactly
    what they mean in the Python explanation, and "not eligible" is the exact complement."""
    name = value_name(leaf["field"])
    operator, value = leaf["operator"], leaf["value"]
    known = Q(**{f"{name}__isnull": False})
    if operator == "is":
        return known & Q(**{name: value})
    if operator == "in":
        return known & Q(**{f"{name}__in": value})
    if operator == "ne":
        # An empty choice (such as "no pathway chosen yet") is unknown too, not "different from X".
        return known & ~Q(**{f"{name}__in": [value, ""]})
    return known & Q(**{f"{name}__{'exact' if operator == 'eq' else operator}": value})


def _node_q(node: dict) -> Q:
    if "conditions" not in node:
        return leaf_q(node)
    parts = [_node_q(child) for child in node["conditions"]]
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if node["op"] == "and" else combined | part
    return combined


def value_annotations(rule: dict, ctx: RuleContext) -> dict[str, Any]:
    return {value_name(leaf["field"]): FIELDS[leaf["field"]].value(ctx) for leaf in leaves(rule)}


def compile_rule(rule: dict, ctx: RuleContext) -> tuple[dict[str, Any], Q]:
    """(annotations, Q): ``qs.annotate(**annotations).filter(q)`` keeps those who meet the rule."""
    return value_annotations(rule, ctx), _node_q(rule)


def apply_rule(qs: QuerySet, rule: dict, ctx: RuleContext) -> QuerySet:
    annotations, q = compile_rule(rule, ctx)
    return qs.annotate(**annotations).filter(q) if annotations else qs


# --- Explanations --------------------------------------------------------------------------


@dataclass
class Check:
    ok: bool
    text: str
    children: list[Check] = field(default_factory=list)
    op: str = ""

    def why_not(self) -> str:
        """What failed, in words: the condition itself, or inside a group what it lacked."""
        if not self.children:
            return self.text
        if self.op == "or":
            return _("tidak memenuhi satu pun dari: %(list)s") % {"list": "; ".join(c.text for c in self.children)}
        return "; ".join(c.why_not() for c in self.children if not c.ok)


@dataclass
class Explanation:
    eligible: bool
    checks: list[Check]
    # Why not, in one line (empty when eligible).
    reason: str = ""


def explanation_annotations(rule: dict, ctx: RuleContext) -> dict[str, Any]:
    """Values, display helpers, and one boolean per condition (``_c0``, ``_c1``…), for the rows
    of one page. Annotated after the values, so each condition reads its own field's value."""
    annotations = value_annotations(rule, ctx)
    for leaf in leaves(rule):
        annotations.update(FIELDS[leaf["field"]].display(ctx))
    for i, leaf in enumerate(leaves(rule)):
        annotations[f"_c{i}"] = ExpressionWrapper(leaf_q(leaf), output_field=BooleanField())
    return annotations


def _say_value(spec: FieldSpec, value: Any, row: Any, regency_names: dict[str, str]) -> str:
    if spec.key == "domicile_local":
        origin = getattr(row, "_d_origin_regency", None)
        site = regency_names.get(getattr(row, "_d_site_regency", ""), _("kabupaten/kota lokalisasi"))
        if value is None:
            return _("Daerah asal tidak diketahui")
        if value:
            return _("Berdomisili di %(place)s, kabupaten/kota lokalisasi") % {"place": site}
        return _("Berasal dari %(origin)s, bukan %(place)s") % {"origin": origin or "—", "place": site}
    if spec.kind == "bool":
        if value is None:
            return f"{spec.label}: {spec.unknown}"
        return str(spec.yes if value else spec.no).capitalize()
    if spec.kind == "int":
        if value is None:
            return _("%(label)s tidak diketahui") % {"label": spec.label}
        return f"{spec.label} {value} {spec.unit}".strip()
    if value in (None, ""):
        return _("%(label)s: belum ada/tidak diketahui") % {"label": spec.label}
    return f"{spec.label}: {_choice_labels(spec).get(value, value)}"


def describe_requirement(leaf: dict) -> str:
    """The condition in words: "Umur paling sedikit 18 tahun"."""
    spec = FIELDS[leaf["field"]]
    operator, value = leaf["operator"], leaf["value"]
    if spec.kind == "bool":
        return str(spec.yes if value else spec.no).capitalize()
    if spec.kind == "int":
        return f"{spec.label} {OPERATORS[operator]} {value} {spec.unit}".strip()
    labels = _choice_labels(spec)
    shown = ", ".join(labels.get(v, v) for v in (value if isinstance(value, list) else [value]))
    return f"{spec.label} {OPERATORS[operator]} {shown}"


def describe_rule(rule: dict) -> list[tuple[int, str]]:
    """The whole rule in words, one line per condition or group heading, with its depth."""
    lines: list[tuple[int, str]] = []

    def walk(node: dict, depth: int) -> None:
        if "conditions" in node:
            if depth:
                lines.append((depth, str(GROUP_LABELS[node["op"]])))
            for child in node["conditions"]:
                walk(child, depth + 1)
        else:
            lines.append((depth, describe_requirement(node)))

    walk(rule, 0)
    return lines


def explain_row(
    rule: dict, row: Any, *, already_in_cycle: bool = False, regency_names: dict[str, str] | None = None
) -> Explanation:
    """Plain-language reasons for one annotated row (see ``explanation_annotations``)."""
    regency_names = regency_names or {}
    counter = iter(range(MAX_CONDITIONS + 1))

    def walk(node: dict) -> Check:
        if "conditions" not in node:
            i = next(counter)
            spec = FIELDS[node["field"]]
            ok = bool(getattr(row, f"_c{i}", False))
            fact = _say_value(spec, getattr(row, value_name(spec.key), None), row, regency_names)
            text = fact if ok else _("%(fact)s — syarat: %(need)s") % {"fact": fact, "need": describe_requirement(node)}
            return Check(ok, text)
        children = [walk(child) for child in node["conditions"]]
        if not children:
            return Check(True, _("Tanpa syarat tambahan"), [])
        ok = all(c.ok for c in children) if node["op"] == "and" else any(c.ok for c in children)
        return Check(ok, str(GROUP_LABELS[node["op"]]), children, op=node["op"])

    top = walk(rule)
    checks = top.children if "conditions" in rule else [top]
    eligible = top.ok and not already_in_cycle
    reasons: list[str] = []
    if already_in_cycle:
        reasons.append(_("Sudah diusulkan atau menerima bantuan ini pada siklus ini"))
    if not top.ok:
        reasons.append(top.why_not() if "conditions" in rule else top.text)
    return Explanation(eligible=eligible, checks=checks, reason="; ".join(reasons))
