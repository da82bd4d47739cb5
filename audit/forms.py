from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action


class DateInput(forms.DateInput):
    """``<input type="date">``: the browser shows a local picker and always sends ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Tindakan"), required=False)
    username = forms.CharField(label=_("Nama pengguna memuat"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=_("Jenis objek"), required=False)
    date_from = forms.DateField(label=_("Dari tanggal"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Sampai tanggal"), required=False, widget=DateInput)

    def __init__(self, *args, object_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Semua tindakan")), *Action.choices]
        self.fields["object_type"].choices = [("", _("Semua jenis")), *object_types]

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
        return data

    def criteria(self) -> dict[str, Any]:
        """The filters to apply: the valid, non-empty fields. An invalid field is shown with
        its error and left out, like an empty one."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
