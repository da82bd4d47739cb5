"""Forms of the census round pages. Rules (dates, scope, open rounds) are checked again in
``census.services``; these forms only collect and tidy the input."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sites.models import Site

from .models import RoundKind, RoundStatus

# Case codes are separated by new lines, commas, semicolons or spaces (pasted from a spreadsheet column).
_CODE_SEPARATORS = re.compile(r"[\s,;]+")


class RoundForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis putaran"), choices=[("", "—"), *RoundKind.choices])
    name = forms.CharField(
        label=_("Nama putaran"),
        max_length=120,
        required=False,
        help_text=_("Boleh kosong kecuali untuk jenis Lainnya; nama jenis dipakai bila kosong."),
    )
    held_on = forms.DateField(
        label=_("Tanggal pendataan"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Catatan"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mis. tim pendata, lokasi wisma yang didatangi. Jangan menulis nama penghuni."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class RoundFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        label=_("Lokalisasi"), queryset=Site.objects.none(), required=False, empty_label=_("Semua lokalisasi")
    )
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *RoundKind.choices])

    def __init__(self, data=None, *, sites, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["site"].queryset = sites

    def filters(self) -> dict:
        """The valid filters; an unknown site or kind is ignored (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"site": data.get("site"), "kind": data.get("kind") or ""}


class AddPeopleForm(forms.Form):
    case_codes = forms.CharField(
        label=_("Kode kasus"),
        widget=forms.Textarea(attrs={"rows": 4, "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("Satu kode per baris atau dipisah koma, mis. 5371-KD-0001."),
        error_messages={"required": _("Tuliskan paling sedikit satu kode kasus.")},
    )

    def clean_case_codes(self) -> list[str]:
        codes = [code.upper() for code in _CODE_SEPARATORS.split(self.cleaned_data["case_codes"]) if code]
        if not codes:
            raise forms.ValidationError(_("Tuliskan paling sedikit satu kode kasus."))
        return list(dict.fromkeys(codes))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=RoundStatus.choices)


class RemoveForm(forms.Form):
    case_code = forms.CharField(max_length=24)
