"""Forms. Rules (scope, amounts, the eligibility rule) are checked again in ``assistance.services``
and ``assistance.rules``; these forms only offer what the user may choose."""

from __future__ import annotations

import json

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation, OrgKind

from . import rules
from .models import AmountRule, AssistanceProgramme, BudgetLine, EntitlementStatus, FundingSource, PaymentMethod

MANAGING_KINDS = (OrgKind.DINSOS_KABKOTA, OrgKind.DINSOS_PROVINSI, OrgKind.KEMENSOS, OrgKind.UPT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BudgetLineForm(forms.Form):
    owner_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Pengelola anggaran"), empty_label="—"
    )
    fiscal_year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2000, max_value=2100)
    source = forms.ChoiceField(label=_("Sumber dana"), choices=[("", "—"), *FundingSource.choices])
    code = forms.CharField(label=_("Kode rekening"), max_length=60, help_text=_("Mis. 1.06.01.2.02.5.1.02"))
    name = forms.CharField(label=_("Uraian"), max_length=200)
    amount = forms.DecimalField(label=_("Pagu (Rp)"), min_value=0, max_digits=16, decimal_places=2)
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)

    def __init__(self, *args, actor, instance: BudgetLine | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "owner_organisation": instance.owner_organisation_id,
                    "fiscal_year": instance.fiscal_year,
                    "source": instance.source,
                    "code": instance.code,
                    "name": instance.name,
                    "amount": instance.amount,
                    "note": instance.note,
                },
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        owners = Organisation.objects.filter(is_active=True, kind__in=MANAGING_KINDS).filter(
            policy.region_scope_q(actor, "region__code")
        )
        self.fields["owner_organisation"].queryset = owners.order_by("name")
        if instance is None:
            self.initial.setdefault("fiscal_year", timezone.localdate().year)
            if actor.organisation_id and owners.filter(pk=actor.organisation_id).exists():
                self.initial.setdefault("owner_organisation", actor.organisation_id)
        else:
            # Owner and year are part of the line's identity: a new line for another year.
            del self.fields["owner_organisation"]
            del self.fields["fiscal_year"]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Nama program bantuan"), max_length=200)
    budget_line = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), label=_("Mata anggaran"), empty_label="—")
    description = forms.CharField(label=_("Keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    amount_rule = forms.ChoiceField(label=_("Aturan jumlah"), choices=[("", "—"), *AmountRule.choices])
    amount = forms.DecimalField(
        label=_("Jumlah (Rp)"),
        min_value=1,
        max_digits=16,
        decimal_places=2,
        help_text=_("Jumlah tetap per orang, tarif per hari, atau batas atas biaya riil."),
    )
    days = forms.IntegerField(
        label=_("Jumlah hari"), min_value=1, max_value=3660, required=False, help_text=_("Hanya untuk tarif per hari.")
    )
    components = forms.CharField(
        label=_("Rincian (dicetak di kuitansi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Satu baris per komponen: “uraian = jumlah”, mis. “UEP = 3000000”. Jumlahnya harus sama."),
    )
    is_active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)

    def __init__(self, *args, actor, instance: AssistanceProgramme | None = None, **kwargs):
        if instance is not None:
            from .services import components_text

            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "budget_line": instance.budget_line_id,
                    "description": instance.description,
                    "amount_rule": instance.amount_rule,
                    "amount": instance.amount,
                    "days": instance.days,
                    "components": components_text(instance.components),
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = policy.scope_budget_lines(actor, BudgetLine.objects.all()).order_by(
            "-fiscal_year", "code"
        )

    def clean_components(self):
        from .services import parse_components

        return parse_components(self.cleaned_data.get("components") or "")


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Nama siklus"), max_length=100, help_text=_("Mis. Tahap 1 2019."))
    starts_on = forms.DateField(label=_("Mulai"), widget=DateInput())
    ends_on = forms.DateField(label=_("Selesai"), widget=DateInput())


# --- The eligibility rule, as rows -------------------------------------------------------------


BOOL_CHOICES = [("", "—"), ("true", _("Ya")), ("false", _("Tidak"))]


class ConditionForm(forms.Form):
    """One row: field, operator, value. The value's widget follows the chosen field (a list of
    choices, a number, yes/no); HTMX re-renders the row when the field or operator changes."""

    field = forms.ChoiceField(label=_("Kolom"), required=False)
    # Not a ChoiceField: an operator that does not fit the field is explained by assistance.rules.
    operator = forms.CharField(label=_("Operator"), required=False, max_length=8, widget=forms.Select)
    value = forms.CharField(label=_("Nilai"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "—"), *rules.field_choices()]
        key = self._raw("field")
        spec = rules.FIELDS.get(key)
        if spec is not None and len(spec.operators) == 1 and not self._raw("operator"):
            # Yes/no fields have one operator ("adalah"): chosen for the user.
            if self.is_bound:
                self.data = self.data.copy()
                self.data[self.add_prefix("operator")] = spec.operators[0]
            else:
                self.initial["operator"] = spec.operators[0]
        operators = spec.operators if spec else tuple(rules.OPERATORS)
        self.fields["operator"].widget.choices = [("", "—")] + [(op, rules.OPERATORS[op]) for op in operators]
        self.spec = spec
        if spec is None:
            self.fields["value"].widget.attrs["placeholder"] = _("Pilih kolom dulu")
        elif spec.kind == "bool":
            self.fields["value"] = forms.ChoiceField(label=_("Nilai"), required=False, choices=BOOL_CHOICES)
        elif spec.kind == "int":
            self.fields["value"] = forms.IntegerField(
                label=_("Nilai"), required=False, min_value=spec.minimum, max_value=spec.maximum
            )
        elif self._raw("operator") == "in":
            self.fields["value"] = forms.MultipleChoiceField(
                label=_("Nilai"), required=False, choices=spec.choices(), widget=forms.CheckboxSelectMultiple
            )
        else:
            self.fields["value"] = forms.ChoiceField(
                label=_("Nilai"), required=False, choices=[("", "—"), *spec.choices()]
            )
        # HTMX: a new field or operator re-renders the row with the right value widget.
        refresh = {
            "hx-get": reverse("assistance:rule_row"),
            "hx-trigger": "change",
            "hx-target": "closest fieldset",
            "hx-include": "closest fieldset",
            "hx-swap": "outerHTML",
            "hx-vals": json.dumps({"prefix": self.prefix or ""}),
        }
        for name in ("field", "operator"):
            self.fields[name].widget.attrs.update(refresh)

    def _raw(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "") or ""
        return self.initial.get(name, "") or ""

    def leaf(self) -> dict | None:
        """The row as a rule condition, or None for an empty row (ignored)."""
        data = self.cleaned_data
        if not data.get("field"):
            return None
        leaf = {"field": data["field"], "operator": data.get("operator") or ""}
        value = data.get("value")
        if value not in (None, "", []):
            leaf["value"] = value
        return leaf


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=rules.MAX_CONDITIONS, absolute_max=40)


class RuleForm(forms.Form):
    op = forms.ChoiceField(label=_("Penggabung"), choices=list(rules.GROUP_LABELS.items()), initial="and")


def rule_initial(rule: dict) -> tuple[dict, list[dict]]:
    """A stored rule as the form's initial data (one level; nested groups are kept as they are
    only when edited through JSON — the form edits the top level)."""
    rule = rule or {"op": "and", "conditions": []}
    rows = []
    for leaf in rule.get("conditions", []):
        if "conditions" in leaf:
            continue
        value = leaf["value"]
        if isinstance(value, bool):
            value = "true" if value else "false"
        rows.append({"field": leaf["field"], "operator": leaf["operator"], "value": value})
    return {"op": rule.get("op", "and")}, rows


# --- Money movements -----------------------------------------------------------------------------


class DisburseForm(forms.Form):
    method = forms.ChoiceField(label=_("Cara bayar"), choices=[("", "—"), *PaymentMethod.choices])
    reference = forms.CharField(
        label=_("Nomor referensi"),
        max_length=100,
        required=False,
        help_text=_("Wajib untuk transfer bank (nomor bukti transfer/SP2D)."),
    )
    paid_on = forms.DateField(label=_("Tanggal bayar"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("paid_on", timezone.localdate())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class EntitlementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua")), *EntitlementStatus.choices]
    )
    q = forms.CharField(label=_("Kode kasus"), required=False, max_length=24)


class PreviewFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Tampilkan"),
        required=False,
        choices=[
            ("eligible", _("Memenuhi syarat")),
            ("not_eligible", _("Tidak memenuhi syarat")),
            ("all", _("Semua")),
        ],
    )
    q = forms.CharField(label=_("Kode kasus"), required=False, max_length=24)


REPORT_GROUPS = [
    ("budget_line", _("Mata anggaran")),
    ("programme", _("Program bantuan")),
    ("site", _("Lokalisasi")),
    ("origin", _("Provinsi asal")),
]


class ReportFilterForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("Tahun anggaran"), required=False, min_value=2000, max_value=2100)
    by = forms.ChoiceField(label=_("Per"), required=False, choices=REPORT_GROUPS)
