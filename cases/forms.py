"""Case forms. They offer what the user may choose; the rules are checked again in
``cases.services`` (a form is only a convenience, never the guard)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from accounts.models import Role, User
from organisations.models import Organisation
from sites.models import Site

from . import rules
from .models import (
    CaseStatus,
    ClosingReason,
    FollowUpOutcome,
    Pathway,
    ServiceKind,
    ServiceStatus,
    Stage,
    Wish,
)
from .services import RESPONSIBLE_KINDS

YES_NO_UNKNOWN = [("", _("Belum diketahui")), ("true", _("Ya")), ("false", _("Tidak"))]


def _date_widget(*, max_today: bool = True) -> forms.DateInput:
    attrs = {"type": "date"}
    if max_today:
        attrs["max"] = timezone.localdate().isoformat()
    return forms.DateInput(attrs=attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} — {obj.organisation.short_name or obj.organisation.name}"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


def _users(role: str, organisations):
    return (
        User.objects.filter(role=role, is_active=True, organisation__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "first_name", "username")
    )


class CaseOpenForm(forms.Form):
    responsible_organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(), label=_("Dinas Sosial penanggung jawab"), empty_label=None
    )
    case_worker = UserChoiceField(
        queryset=User.objects.none(),
        label=_("Pekerja sosial"),
        required=False,
        empty_label="—",
        help_text=_("Pekerja sosial dari Dinas Sosial penanggung jawab."),
    )
    supervisor = UserChoiceField(
        queryset=User.objects.none(),
        label=_("Supervisor"),
        required=False,
        empty_label="—",
        help_text=_("Kepala Dinas Sosial penanggung jawab; menerima peringatan anak/TPPO."),
    )
    opened_on = forms.DateField(label=_("Tanggal dibuka"), widget=_date_widget())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = (
            Organisation.objects.filter(kind__in=RESPONSIBLE_KINDS, is_active=True)
            .filter(policy.region_scope_q(actor, "region__code"))
            .order_by("name")
        )
        self.fields["responsible_organisation"].queryset = organisations
        self.fields["case_worker"].queryset = _users(Role.CASE_WORKER, organisations)
        self.fields["supervisor"].queryset = _users(Role.HEAD_OF_DINSOS, organisations)
        self.initial.setdefault("opened_on", timezone.localdate())
        if organisations.filter(pk=actor.organisation_id).exists():
            self.initial.setdefault("responsible_organisation", actor.organisation_id)
            if actor.role == Role.CASE_WORKER:
                self.initial.setdefault("case_worker", actor.pk)
            heads = list(self.fields["supervisor"].queryset.filter(organisation=actor.organisation_id)[:2])
            if len(heads) == 1:
                self.initial.setdefault("supervisor", heads[0].pk)


class CaseEditForm(forms.Form):
    """The ``version`` the user read travels with the form: saving over a newer version is a
    conflict, never a silent overwrite."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.ChoiceField(label=_("Tahap"), choices=Stage.choices)
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    closing_reason = forms.ChoiceField(
        label=_("Alasan penutupan"),
        choices=[("", "—"), *ClosingReason.choices],
        required=False,
        help_text=_("Wajib bila kasus ditutup."),
    )
    case_worker = UserChoiceField(queryset=User.objects.none(), label=_("Pekerja sosial"), required=False)

    def __init__(self, *args, case, can_reassign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if can_reassign:
            self.fields["case_worker"].queryset = _users(Role.CASE_WORKER, [case.responsible_organisation_id])
            self.fields["case_worker"].empty_label = _("— belum ditunjuk —")
        else:
            # Only a supervisor reassigns (cases.services.case_update checks it again).
            del self.fields["case_worker"]

    def clean(self):
        data = super().clean()
        if data.get("status") == CaseStatus.CLOSED and not data.get("closing_reason"):
            self.add_error("closing_reason", _("Pilih alasan penutupan kasus."))
        return data


class ReassignForm(forms.Form):
    case_worker = UserChoiceField(queryset=User.objects.none(), label=_("Pekerja sosial baru"))
    reason = forms.CharField(label=_("Alasan"), max_length=200, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_worker"].queryset = _users(Role.CASE_WORKER, [case.responsible_organisation_id]).exclude(
            pk=case.case_worker_id or 0
        )


class NullBooleanChoiceField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO_UNKNOWN,
            coerce=lambda v: v == "true",
            empty_value=None,
            required=False,
            **kwargs,
        )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Tanggal asesmen"), widget=_date_widget())
    needs = forms.MultipleChoiceField(
        label=_("Kebutuhan"), choices=rules.NEEDS, required=False, widget=forms.CheckboxSelectMultiple
    )
    skills = forms.CharField(
        label=_("Keterampilan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    work_history = forms.CharField(
        label=_("Riwayat pekerjaan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    family = forms.CharField(
        label=_("Keluarga"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Situasi keluarga dan anak tanggungan."),
    )
    dependent_children = forms.IntegerField(
        label=_("Jumlah anak tanggungan"), required=False, min_value=0, max_value=30
    )
    wish = forms.ChoiceField(label=_("Keinginan"), choices=Wish.choices, initial=Wish.UNDECIDED)
    wish_note = forms.CharField(
        label=_("Keinginan dengan kata-katanya sendiri"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    has_ktp = NullBooleanChoiceField(label=_("Memiliki KTP"))
    has_kk = NullBooleanChoiceField(label=_("Memiliki KK"))
    health_referral_needed = forms.BooleanField(
        label=_("Perlu rujukan layanan kesehatan"),
        required=False,
        help_text=_("Catat kebutuhan rujukan saja, bukan diagnosis."),
    )
    risk_flags = forms.MultipleChoiceField(
        label=_("Tanda risiko"), choices=rules.RISK_FLAGS, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Catatan"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    NARRATIVE_FIELDS = ("skills", "work_history", "family", "wish_note", "notes")

    def narrative(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key in self.NARRATIVE_FIELDS}

    def facts(self) -> dict:
        data = self.cleaned_data
        return {
            "assessed_on": data["assessed_on"],
            "needs": data.get("needs") or [],
            "wish": data["wish"],
            "dependent_children": data.get("dependent_children"),
            "has_ktp": data.get("has_ktp"),
            "has_kk": data.get("has_kk"),
            "health_referral_needed": bool(data.get("health_referral_needed")),
            "risk_flags": data.get("risk_flags") or [],
        }


class PlanForm(forms.Form):
    pathway = forms.ChoiceField(label=_("Jalur"), choices=[("", "—"), *Pathway.choices])
    goals = forms.CharField(
        label=_("Tujuan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tujuan rencana intervensi. Jangan menulis nama atau identitas di sini."),
    )


class PlannedServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis layanan"), choices=[("", "—"), *ServiceKind.choices], required=False)
    provider = OrganisationChoiceField(
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        label=_("Penyedia"),
        required=False,
        empty_label="—",
    )
    planned_start = forms.DateField(label=_("Rencana mulai"), required=False, widget=_date_widget(max_today=False))
    planned_end = forms.DateField(label=_("Rencana selesai"), required=False, widget=_date_widget(max_today=False))

    def clean(self):
        data = super().clean()
        if not data.get("kind") and any(data.get(k) for k in ("provider", "planned_start", "planned_end")):
            self.add_error("kind", _("Pilih jenis layanan."))
        if data.get("planned_start") and data.get("planned_end") and data["planned_end"] < data["planned_start"]:
            self.add_error("planned_end", _("Rencana selesai tidak boleh sebelum rencana mulai."))
        return data


PlannedServiceFormSet = forms.formset_factory(PlannedServiceForm, extra=3, max_num=20, absolute_max=20)


class ServiceUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    started_on = forms.DateField(label=_("Mulai"), required=False, widget=_date_widget())
    ended_on = forms.DateField(label=_("Selesai"), required=False, widget=_date_widget())
    outcome = forms.CharField(label=_("Hasil"), required=False, max_length=300)


class FollowUpScheduleForm(forms.Form):
    start = forms.DateField(
        label=_("Dihitung dari tanggal"),
        widget=_date_widget(max_today=False),
        help_text=_("Tanggal pemulangan/serah terima atau penutupan kasus."),
    )


class FollowUpRecordForm(forms.Form):
    done_on = forms.DateField(label=_("Tanggal dilaksanakan"), widget=_date_widget())
    outcome = forms.ChoiceField(label=_("Hasil"), choices=[("", "—"), *FollowUpOutcome.choices])
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Disimpan terenkripsi."),
    )


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nomor kasus atau kode kasus")}),
    )
    stage = forms.ChoiceField(label=_("Tahap"), required=False, choices=[("", _("Semua tahap")), *Stage.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *CaseStatus.choices]
    )
    pathway = forms.ChoiceField(label=_("Jalur"), required=False, choices=[("", _("Semua jalur")), *Pathway.choices])
    worker = UserChoiceField(queryset=User.objects.none(), label=_("Pekerja sosial"), required=False)
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Lokalisasi"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = (
            User.objects.filter(role=Role.CASE_WORKER)
            .filter(policy.region_scope_q(user, "organisation__region__code"))
            .select_related("organisation")
            .order_by("first_name", "username")
        )
        self.fields["worker"].empty_label = _("Semua pekerja sosial")
        self.fields["site"].queryset = Site.objects.filter(policy.region_scope_q(user, "region__code")).order_by("name")
        self.fields["site"].empty_label = _("Semua lokalisasi")

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "stage": data.get("stage") or "",
            "status": data.get("status") or "",
            "pathway": data.get("pathway") or "",
            "worker": data.get("worker"),
            "site": data.get("site"),
        }


class CaseloadFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Tahap"), required=False, choices=[("", _("Semua tahap")), *Stage.choices])
    pathway = forms.ChoiceField(label=_("Jalur"), required=False, choices=[("", _("Semua jalur")), *Pathway.choices])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"stage": data.get("stage") or "", "pathway": data.get("pathway") or ""}
