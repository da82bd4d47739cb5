"""Filters of the dashboards and the monthly report: period, region (a picker limited to the
user's scope), programme, site."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from programmes.models import ClosureProgramme
from regions.forms import RegionField, RegionPickerWidget
from sites.models import Site

from . import monthly
from .selectors import Filters


class ScopedRegionPickerWidget(RegionPickerWidget):
    """The region picker, offering only regions inside ``within`` (the user's scope)."""

    def __init__(self, *, within: str | None, **kwargs):
        super().__init__(**kwargs)
        self.within = within

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.within:
            context["widget"]["search_url"] += f"&within={self.within}"
        return context


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Site) -> str:
        return f"{obj.name} ({obj.short_code})"


class _ScopeFields(forms.Form):
    region = RegionField(label=_("Wilayah"), required=False, levels=(1, 2, 3))
    programme = forms.ModelChoiceField(
        queryset=ClosureProgramme.objects.none(), label=_("Program penutupan"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].widget = ScopedRegionPickerWidget(within=user.region_id, levels=(1, 2, 3))
        everywhere = _("Kosongkan untuk seluruh Indonesia.")
        self.fields["region"].help_text = everywhere if user.region_id is None else _("Kosongkan untuk wilayah Anda.")
        self.fields["programme"].queryset = policy.scope_programmes(user, ClosureProgramme.objects.all()).order_by(
            "name", "pk"
        )
        self.fields["programme"].empty_label = _("Semua program")

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is not None and not policy.in_region_scope(self.user, region.code):
            raise forms.ValidationError(_("Wilayah ini di luar cakupan wilayah Anda."), code="out_of_scope")
        return region


class DashboardFilterForm(_ScopeFields):
    site = SiteChoiceField(queryset=Site.objects.none(), label=_("Lokalisasi"), required=False)
    start = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    publication = forms.BooleanField(label=_("Tampilan untuk publikasi (angka kecil disembunyikan)"), required=False)

    def __init__(self, *args, user, with_site: bool = True, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["site"].queryset = policy.scope_sites(user, Site.objects.all()).order_by("name", "pk")
        self.fields["site"].empty_label = _("Semua lokalisasi")
        if not with_site:
            del self.fields["site"]
        if not policy.sees_small_numbers(user):
            # Outside the owning team the figures are always the protected ones.
            del self.fields["publication"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
        return data

    def filters(self) -> Filters:
        """The valid filters; an invalid one is ignored (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            start = end = None
        return Filters(
            region=data.get("region"),
            programme=data.get("programme"),
            site=data.get("site"),
            start=start,
            end=end,
            publication=bool(data.get("publication")),
        )


class MonthlyReportForm(_ScopeFields):
    month = forms.CharField(
        label=_("Bulan"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2019-01", "pattern": r"\d{4}-\d{2}"}),
        help_text=_("Tahun dan bulan, mis. 2019-01."),
    )
    publication = forms.BooleanField(label=_("Untuk publikasi (angka kecil disembunyikan)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].help_text = (
            _("Kosongkan untuk seluruh Indonesia.") if user.region_id is None else _("Kosongkan untuk wilayah Anda.")
        )
        if not policy.sees_small_numbers(user):
            del self.fields["publication"]

    def clean_month(self) -> dt.date:
        month = monthly.parse_month(self.cleaned_data.get("month"))
        if month is None:
            raise forms.ValidationError(_("Tulis bulan sebagai tahun-bulan, mis. 2019-01."), code="invalid")
        if month > timezone.localdate():
            raise forms.ValidationError(_("Bulan ini belum dimulai."), code="future")
        return month

    def protect(self) -> bool:
        return bool(self.cleaned_data.get("publication")) or not policy.sees_small_numbers(self.user)
