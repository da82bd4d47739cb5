from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from regions.forms import RegionField

from .models import Accreditation, Grade, Organisation, OrgKind

REASON_REQUIRED = _("Tuliskan alasan penonaktifan.")


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} — {obj.region.name}"


class OrganisationForm(forms.ModelForm):
    """Create or edit an organisation. Rules (duplicates, parent loops, scope) are checked
    again in ``organisations.services``; this form only offers what the actor may choose."""

    region = RegionField(
        label=_("Wilayah"),
        help_text=_("Wilayah kerja organisasi: provinsi, kabupaten/kota, kecamatan, atau desa/kelurahan."),
    )
    parent = ParentChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Organisasi induk"),
        empty_label="—",
        help_text=_("Misalnya UPT RSBKW Kediri di bawah Dinas Sosial Provinsi Jawa Timur."),
    )

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "region", "parent", "address", "phone", "email"]
        labels = {
            "name": _("Nama"),
            "short_name": _("Singkatan"),
            "kind": _("Jenis"),
            "address": _("Alamat kantor"),
            "phone": _("Telepon kantor"),
            "email": _("Email kantor"),
        }
        help_texts = {"short_name": _("Misalnya Dinsos, Satpol PP, KPAD.")}
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["kind"].choices = [("", "—"), *OrgKind.choices]
        if self.instance.pk is None and actor.region_id:
            # Most organisations a Dinsos registers work in its own region.
            self.initial.setdefault("region", actor.region_id)
        # Active organisations in the actor's scope; the current parent stays selectable even if
        # it has since been deactivated or lies outside the scope, so saving other changes works.
        offered = Q(is_active=True) & policy.region_scope_q(actor, "region__code")
        if self.instance.parent_id:
            offered |= Q(pk=self.instance.parent_id)
        parents = Organisation.objects.filter(offered).select_related("region").order_by("name", "pk")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is not None and not policy.in_region_scope(self.actor, region.code):
            raise forms.ValidationError(_("Wilayah ini di luar cakupan wilayah Anda."), code="out_of_scope")
        return region

    def _post_clean(self):
        # Model validation happens in organisations.services; skip ModelForm's instance mutation.
        pass


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan penonaktifan"),
        max_length=300,
        error_messages={"required": REASON_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Misalnya: sudah tidak beroperasi, bergabung dengan organisasi lain, data ganda."),
    )


class AccreditationForm(forms.ModelForm):
    granted_on = forms.DateField(
        label=_("Tanggal akreditasi"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Accreditation
        fields = ["number", "grade", "granted_on"]
        labels = {"number": _("Nomor sertifikat"), "grade": _("Peringkat")}
        help_texts = {"grade": _("Masa berlaku dihitung dari peringkat: A 5 tahun, B 3 tahun, C 2 tahun.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", "—"), *Grade.choices]
        self.fields["granted_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def _post_clean(self):
        # Validity dates and the rules are set in organisations.services.accreditation_record.
        pass


class OrganisationFilterForm(forms.Form):
    STATUS_CHOICES = [("active", _("Aktif")), ("inactive", _("Nonaktif")), ("all", _("Semua status"))]
    ACCREDITATION_CHOICES = [
        ("", _("Semua")),
        ("valid", _("LKS terakreditasi")),
        ("expired", _("LKS akreditasi berakhir")),
        ("none", _("LKS belum terakreditasi")),
    ]

    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama atau singkatan")}),
    )
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *OrgKind.choices])
    region = RegionField(label=_("Di dalam wilayah"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    accreditation = forms.ChoiceField(label=_("Akreditasi"), required=False, choices=ACCREDITATION_CHOICES)

    def filters(self) -> dict:
        """The valid filters (an unknown region or choice is ignored, and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "region": data.get("region"),
            "status": data.get("status") or "active",
            "accreditation": data.get("accreditation") or "",
        }
