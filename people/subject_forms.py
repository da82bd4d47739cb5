"""Forms for data subject requests. The rules are checked again in ``people.subject_requests``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus

NO_IDENTITY_HELP = _("Tanpa nama, NIK, nomor telepon, atau alamat: cukup kode kasus dan isi permintaannya.")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _choices(choices, empty="—"):
    return [("", empty), *choices]


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis permintaan"), choices=_choices(SubjectRequestKind.choices))
    channel = forms.ChoiceField(label=_("Saluran"), choices=_choices(SubjectRequestChannel.choices))
    received_at = forms.DateTimeField(
        label=_("Diterima pada"),
        widget=DateTimeLocalInput(),
        help_text=_("Batas jawaban 3×24 jam sejak waktu ini (UU 27/2022 Pasal 32)."),
    )
    note = forms.CharField(
        label=_("Catatan permintaan"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NO_IDENTITY_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Hasil"),
        choices=[
            (SubjectRequestStatus.ANSWERED, SubjectRequestStatus.ANSWERED.label),
            (SubjectRequestStatus.REFUSED, SubjectRequestStatus.REFUSED.label),
        ],
    )
    note = forms.CharField(
        label=_("Jawaban yang disampaikan"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NO_IDENTITY_HELP,
    )


STATUS_FILTERS = [
    ("", _("Semua")),
    ("overdue", _("Lewat batas waktu")),
    *SubjectRequestStatus.choices,
]


class RequestFilterForm(forms.Form):
    q = forms.CharField(label=_("Kode kasus"), required=False, max_length=24)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=_choices(SubjectRequestKind.choices, _("Semua")))

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "status": "", "kind": ""}
        return {key: self.cleaned_data.get(key) or "" for key in ("q", "status", "kind")}
