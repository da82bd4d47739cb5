from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation, OrgKind

from . import services
from .models import ClosureProgramme, Phase, ProgrammeStatus, StageKind

DATE_WIDGET = {"type": "date"}


def _date_field(label, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class PartnerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name if obj.is_active else f"{obj.name} ({_('nonaktif')})"


class SiteChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.short_code}) — {obj.region.name}"


def offered_partners(actor, *, keep=()) -> Q:
    """Organisations offered as partners: active ones working in the actor's region, in the
    regions above it (the province), national ones (Kemensos) and UPT wherever they are (a
    provincial training centre takes residents from other provinces); plus those already
    chosen."""
    offered = Q(is_active=True)
    if actor.region_id:
        parts = actor.region_id.split(".")
        above = [".".join(parts[:i]) for i in range(1, len(parts))]
        offered &= (
            policy.region_scope_q(actor, "region__code")
            | Q(region__code__in=above)
            | Q(kind__in=[OrgKind.KEMENSOS, OrgKind.UPT])
        )
    keep = list(keep)
    return offered | Q(pk__in=keep) if keep else offered


class ProgrammeForm(forms.Form):
    """Create or edit a programme. The rules are checked again in ``programmes.services``; this
    form only offers what the actor may choose."""

    name = forms.CharField(
        label=_("Nama program"),
        max_length=200,
        help_text=_("Mis. Penutupan Lokalisasi Karang Dempel."),
    )
    owner_organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(), label=_("Dinas Sosial penanggung jawab"), empty_label="—"
    )
    legal_basis = forms.CharField(
        label=_("Dasar hukum"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mis. Instruksi Kemensos, SK Wali Kota/Bupati; satu per baris."),
    )
    description = forms.CharField(label=_("Uraian"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    launched_on = _date_field(_("Tanggal pencanangan"))
    deadline = _date_field(_("Batas waktu penutupan"), required=True)
    status = forms.ChoiceField(label=_("Status"), choices=ProgrammeStatus.choices, initial=ProgrammeStatus.ACTIVE)
    sites = SiteChoiceField(
        queryset=None,
        label=_("Lokalisasi"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih sedikitnya satu lokalisasi.")},
        help_text=_("Satu lokalisasi atau sekelompok lokalisasi. Tahap tiap lokalisasi diatur di halaman program."),
    )
    partners = PartnerChoiceField(
        queryset=None,
        required=False,
        label=_("Organisasi mitra"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Mitra dapat melihat program ini, tidak lebih."),
    )

    def __init__(self, *args, actor, programme: ClosureProgramme | None = None, **kwargs):
        if programme is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": programme.name,
                    "owner_organisation": programme.owner_organisation_id,
                    "legal_basis": programme.legal_basis,
                    "description": programme.description,
                    "launched_on": programme.launched_on,
                    "deadline": programme.deadline,
                    "status": programme.status,
                    "sites": list(programme.programme_sites.values_list("site_id", flat=True)),
                    "partners": list(programme.partners.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        self.actor = actor
        current_owner = programme.owner_organisation if programme else None
        owners = services.owner_organisations(actor, keep=current_owner)
        self.fields["owner_organisation"].queryset = owners
        if programme is None and actor.organisation_id and owners.filter(pk=actor.organisation_id).exists():
            # Most programmes are run by the user's own Dinas Sosial.
            self.initial.setdefault("owner_organisation", actor.organisation_id)
        keep_sites = self.initial.get("sites", []) if programme else []
        self.fields["sites"].queryset = services.offered_sites(actor, keep=keep_sites)
        keep_partners = self.initial.get("partners", []) if programme else []
        self.fields["partners"].queryset = (
            Organisation.objects.filter(offered_partners(actor, keep=keep_partners))
            .select_related("region")
            .order_by("kind", "name", "pk")
        )

    def clean(self):
        data = super().clean()
        launched_on, deadline = data.get("launched_on"), data.get("deadline")
        if launched_on and deadline and deadline <= launched_on:
            self.add_error("deadline", _("Batas waktu penutupan harus sesudah tanggal pencanangan."))
        return data

    def partner_groups(self) -> list[tuple[str, list]]:
        """The partner checkboxes grouped by kind of organisation, for a readable long list."""
        if not hasattr(self, "_partner_groups"):
            labels = dict(OrgKind.choices)
            groups: dict[str, list] = {}
            for widget in self["partners"].subwidgets:
                kind = widget.data["value"].instance.kind
                groups.setdefault(kind, []).append(widget)
            order = list(labels)
            self._partner_groups = [
                (labels.get(kind, kind), widgets)
                for kind, widgets in sorted(
                    groups.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)
                )
            ]
        return self._partner_groups

    def data_for_service(self) -> services.ProgrammeData:
        data = self.cleaned_data
        return services.ProgrammeData(
            name=data["name"],
            owner_organisation=data["owner_organisation"],
            deadline=data["deadline"],
            legal_basis=data.get("legal_basis", ""),
            description=data.get("description", ""),
            launched_on=data.get("launched_on"),
            status=data["status"],
            partners=tuple(data.get("partners") or ()),
            sites=tuple(data.get("sites") or ()),
        )


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama program, lokalisasi, atau Dinsos")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *ProgrammeStatus.choices]
    )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "status": data.get("status") or ""}


class PhaseForm(forms.ModelForm):
    planned_start = _date_field(_("Rencana mulai"))
    planned_end = _date_field(_("Rencana selesai"))

    class Meta:
        model = Phase
        fields = ["number", "name", "planned_start", "planned_end"]
        labels = {"number": _("Tahap ke"), "name": _("Nama tahap")}
        help_texts = {"name": _("Mis. KM 10 Loa Janan.")}
        widgets = {"number": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1})}

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("Rencana selesai tidak boleh sebelum rencana mulai."))
        return data

    def _post_clean(self):
        # Uniqueness and the rules are checked in programmes.services.
        pass


class SitePhaseForm(forms.Form):
    phase = forms.ModelChoiceField(queryset=Phase.objects.none(), required=False, label=_("Tahap"), empty_label="—")

    def __init__(self, *args, programme: ClosureProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = programme.phases.order_by("number")


class StageForm(forms.Form):
    kind = forms.ChoiceField(choices=StageKind.choices, widget=forms.HiddenInput)
    planned_start = _date_field(_("Rencana mulai"))
    planned_end = _date_field(_("Rencana selesai"))
    applies = forms.BooleanField(label=_("Berlaku"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Nine stages on one page: each input names its stage for screen readers.
        stage = self.kind_label
        self.fields["planned_start"].widget.attrs["aria-label"] = _("Rencana mulai %(stage)s") % {"stage": stage}
        self.fields["planned_end"].widget.attrs["aria-label"] = _("Rencana selesai %(stage)s") % {"stage": stage}

    @property
    def kind_label(self) -> str:
        kind = self["kind"].value()
        return StageKind(kind).label if kind in StageKind.values else kind

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("Rencana selesai tidak boleh sebelum rencana mulai."))
        return data


StageFormSet = forms.formset_factory(StageForm, extra=0, min_num=0, max_num=len(StageKind.values), validate_max=True)
