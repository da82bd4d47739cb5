from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.forms import RegionField, RegionPickerWidget
from regions.models import Level

from . import services
from .models import Finding, MonitoringVisit


class ScopedRegionPicker(RegionPickerWidget):
    """The region picker, offering only regions inside ``within`` (the user's region scope)."""

    def __init__(self, *, within: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.within = within

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.within:
            context["widget"]["search_url"] += f"&within={self.within}"
        return context


def _village_field(actor, **kwargs) -> RegionField:
    levels = (Level.VILLAGE,)
    # The picker's search only lists regions strictly inside ``within``: a user whose scope is
    # one desa gets the unrestricted list (the service still refuses anything outside the scope).
    within = actor.region_id if actor.region_id and actor.region_id.count(".") < 3 else None
    return RegionField(levels=levels, widget=ScopedRegionPicker(levels=levels, within=within), **kwargs)


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VisitForm(forms.ModelForm):
    """Record or correct a monitoring visit. The rules (desa/kelurahan in scope, no future date,
    counts consistent with the finding) are checked again in ``monitoring.services``."""

    visited_on = forms.DateField(label=_("Tanggal kunjungan"), widget=DateInput())
    organisation = NamedChoiceField(
        queryset=None,
        label=_("Pelaksana"),
        empty_label="—",
        help_text=_("Misalnya UPT RSBKW Kediri atau Dinas Sosial."),
    )
    active_places = forms.IntegerField(
        label=_("Perkiraan tempat aktif"),
        min_value=0,
        initial=0,
        help_text=_("Jumlah tempat (rumah, warung, penginapan) yang tampak masih dipakai untuk praktik prostitusi."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    active_people = forms.IntegerField(
        label=_("Perkiraan orang terlibat"),
        min_value=0,
        initial=0,
        help_text=_("Hanya perkiraan jumlah, tanpa nama."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    programme = NamedChoiceField(queryset=None, required=False, label=_("Program"), empty_label="—")
    site = NamedChoiceField(queryset=None, required=False, label=_("Eks-lokalisasi"), empty_label="—")

    class Meta:
        model = MonitoringVisit
        fields = [
            "village",
            "visited_on",
            "organisation",
            "finding",
            "active_places",
            "active_people",
            "observation",
            "programme",
            "site",
        ]
        labels = {"finding": _("Temuan"), "observation": _("Catatan pengamatan")}
        help_texts = {
            "observation": _(
                "Gambarkan keadaan tempat: apa yang terlihat, di mana, sejak kapan. "
                "Jangan menulis nama, NIK, nomor HP, atau ciri orang."
            )
        }
        widgets = {"observation": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["village"] = _village_field(
            actor,
            label=_("Desa/kelurahan"),
            help_text=_("Desa atau kelurahan yang dikunjungi."),
        )
        self.fields["finding"].choices = [("", "—"), *Finding.choices]
        keep = self.instance.organisation if self.instance.organisation_id else None
        self.fields["organisation"].queryset = services.organisation_choices(actor, keep=keep)
        self.fields["programme"].queryset = services.programme_choices(actor)
        self.fields["site"].queryset = services.site_choices(actor)
        self.fields["visited_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if self.instance.pk is None and actor.organisation_id:
            self.initial.setdefault("organisation", actor.organisation_id)

    def _post_clean(self):
        # Model validation happens in monitoring.services; skip ModelForm's instance mutation.
        pass


class VisitFilterForm(forms.Form):
    region = RegionField(
        label=_("Desa/kelurahan atau wilayah"),
        required=False,
        levels=(Level.REGENCY, Level.DISTRICT, Level.VILLAGE),
        help_text=_("Satu desa/kelurahan, atau semua desa di satu kecamatan atau kabupaten/kota."),
    )
    finding = forms.ChoiceField(label=_("Temuan"), required=False, choices=[("", _("Semua temuan")), *Finding.choices])
    year = forms.TypedChoiceField(label=_("Tahun"), required=False, coerce=int, empty_value=None)
    programme = NamedChoiceField(queryset=None, required=False, label=_("Program"), empty_label=_("Semua program"))

    def __init__(self, data=None, *, actor, years: list[int], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"].choices = [("", _("Semua tahun")), *((str(y), str(y)) for y in years)]
        self.fields["programme"].queryset = services.programme_choices(actor)

    def filters(self) -> dict:
        """The valid filters (an unknown value is ignored, and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "region": data.get("region"),
            "finding": data.get("finding") or "",
            "year": data.get("year"),
            "programme": data.get("programme"),
        }


class TrendFilterForm(forms.Form):
    region = RegionField(label=_("Kabupaten/kota"), required=False, levels=(Level.REGENCY,))
    programme = NamedChoiceField(queryset=None, required=False, label=_("Program"), empty_label=_("Semua program"))

    def __init__(self, data=None, *, actor, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["programme"].queryset = services.programme_choices(actor)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"region": data.get("region"), "programme": data.get("programme")}
