from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import rules, services
from .models import Category, Channel, FromGroup, GrievanceStatus


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else obj.username


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _choices(choices, empty="—"):
    return [("", empty), *choices]


class GrievanceForm(forms.Form):
    """Receive a grievance. The rules (dates, scope, named or anonymous) are checked again in
    ``grievances.services.grievance_create``."""

    received_on = forms.DateField(label=_("Tanggal diterima"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Saluran"), choices=_choices(Channel.choices))
    category = forms.ChoiceField(label=_("Kategori"), choices=_choices(Category.choices))
    from_group = forms.ChoiceField(label=_("Pengadu"), choices=_choices(FromGroup.choices))
    anonymous = forms.BooleanField(
        label=_("Anonim"),
        required=False,
        initial=True,
        help_text=_("Biarkan tercentang kecuali pengadu bersedia disebut namanya."),
    )
    complainant_name = forms.CharField(
        label=_("Nama pengadu"),
        required=False,
        max_length=services.NAME_MAX_LENGTH,
        help_text=_("Hanya untuk pengaduan bernama. Disimpan terenkripsi; membukanya tercatat di log audit."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    complainant_contact = forms.CharField(
        label=_("Kontak pengadu"),
        required=False,
        max_length=services.CONTACT_MAX_LENGTH,
        help_text=_("Nomor HP atau alamat untuk menyampaikan jawaban. Disimpan terenkripsi."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    summary = forms.CharField(
        label=_("Isi pengaduan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dapat dibaca semua petugas yang berwenang: jangan menulis nama, NIK, atau nomor HP di sini."),
    )
    programme = NamedChoiceField(queryset=None, required=False, label=_("Program"), empty_label="—")
    site = NamedChoiceField(queryset=None, required=False, label=_("Lokalisasi"), empty_label="—")
    handler_organisation = NamedChoiceField(queryset=None, label=_("Organisasi penangan"), empty_label="—")
    due_on = forms.DateField(
        label=_("Batas waktu jawaban"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["due_on"].help_text = gettext("Kosongkan untuk %(days)d hari setelah diterima.") % {
            "days": rules.RESPONSE_DAYS
        }
        self.fields["programme"].queryset = services.programme_choices(actor)
        self.fields["site"].queryset = services.site_choices(actor)
        organisations = services.handler_organisation_choices(actor)
        self.fields["handler_organisation"].queryset = organisations
        self.initial.setdefault("received_on", timezone.localdate())
        if actor.organisation_id:
            # Usually the office that receives a complaint answers it.
            self.initial.setdefault("handler_organisation", actor.organisation_id)


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in GrievanceStatus.choices if value != GrievanceStatus.NEW],
    )
    response = forms.CharField(
        label=_("Tanggapan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Wajib untuk status “Sudah dijawab”."),
    )
    responded_on = forms.DateField(
        label=_("Tanggal"),
        required=False,
        widget=DateInput(),
        help_text=_("Tanggal tanggapan atau penyelesaian; kosongkan untuk hari ini."),
    )

    def __init__(self, *args, grievance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responded_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["responded_on"].widget.attrs["min"] = grievance.received_on.isoformat()
        if grievance.status != GrievanceStatus.NEW:
            self.initial.setdefault("status", grievance.status)
        else:
            self.initial.setdefault("status", GrievanceStatus.IN_PROGRESS)
        self.initial.setdefault("response", grievance.response)


class AssignForm(forms.Form):
    handler = HandlerChoiceField(
        queryset=None, required=False, label=_("Petugas penangan"), empty_label=_("— belum ditunjuk —")
    )

    def __init__(self, *args, grievance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = services.handler_choices(grievance)
        self.initial.setdefault("handler", grievance.handler_id)


class GrievanceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Nomor pengaduan"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("mis. ADU-5371-2018-0001")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_choices(GrievanceStatus.choices, _("Semua status"))
    )
    category = forms.ChoiceField(
        label=_("Kategori"), required=False, choices=_choices(Category.choices, _("Semua kategori"))
    )
    channel = forms.ChoiceField(
        label=_("Saluran"), required=False, choices=_choices(Channel.choices, _("Semua saluran"))
    )
    overdue = forms.BooleanField(label=_("Hanya yang terlambat"), required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "category": data.get("category") or "",
            "channel": data.get("channel") or "",
            "overdue": bool(data.get("overdue")),
        }
