"""Forms for referrals and transfers. They offer what the user may choose; ``cases.referrals``
checks every rule again (consent, accreditation, who may override)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation

from . import referrals
from .models import ReferralKind, ReferralStatus, ServiceKind


class TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} — {obj.get_kind_display()}"


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis"), choices=ReferralKind.choices, initial=ReferralKind.REFERRAL, widget=forms.RadioSelect
    )
    service_kind = forms.ChoiceField(
        label=_("Layanan yang dirujuk"), choices=[("", "—"), *ServiceKind.choices], required=False
    )
    to_organisation = TargetChoiceField(
        label=_("Organisasi tujuan"),
        queryset=Organisation.objects.none(),
        help_text=_("LKS harus memiliki akreditasi Kemensos yang masih berlaku."),
    )
    reason = forms.CharField(
        label=_("Alasan/kebutuhan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Penerima membaca ini sebelum menerima rujukan: jangan tulis nama atau identitas, cukup kebutuhannya."
        ),
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Data yang dibagikan setelah rujukan diterima"),
        choices=referrals.SHARED_PARTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sudah dicentang: yang minimal dibutuhkan layanan ini. Tambahkan hanya bila perlu."),
    )
    override_reason = forms.CharField(
        label=_("Alasan merujuk tanpa persetujuan"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Dicatat pada rujukan dan di log audit, terlihat oleh penerima sebagai keputusan supervisor."),
    )

    def __init__(self, *args, case, kind: str, allow_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["to_organisation"].queryset = referrals.target_organisations(case, kind)
        if kind == ReferralKind.TRANSFER:
            self.fields["to_organisation"].help_text = _("Dinas Sosial yang akan menjadi penanggung jawab kasus.")
        if not allow_override:
            del self.fields["override_reason"]
        # Changing the kind or the service re-renders the organisation list and the default shared
        # data (HTMX); only these three values travel in the URL — never the reason text.
        dynamic = {
            "hx-get": reverse("cases:referral_create", kwargs={"pk": case.pk}),
            "hx-vals": '{"part": "dynamic"}',
            "hx-target": "#referral-dynamic",
            "hx-include": "#referral-form [name=kind]:checked, #referral-form [name=service_kind], "
            "#referral-form [name=to_organisation]",
            "hx-trigger": "change",
        }
        self.fields["kind"].widget.attrs.update(dynamic)
        self.fields["service_kind"].widget.attrs.update(dynamic)


class RespondForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Terima")), ("decline", _("Tolak"))])
    decline_reason = forms.CharField(
        label=_("Alasan penolakan"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib bila menolak: pengirim perlu tahu untuk merujuk ke tempat lain."),
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("Hasil layanan"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Singkat dan tanpa identitas, misalnya: selesai pelatihan tata rias, bersertifikat."),
    )


class ReferralFilterForm(forms.Form):
    q = forms.CharField(label=_("Nomor kasus"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Semua")), *ReferralStatus.choices], required=False)
    kind = forms.ChoiceField(label=_("Jenis"), choices=[("", _("Semua")), *ReferralKind.choices], required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
