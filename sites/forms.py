from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation
from regions.forms import RegionField
from regions.models import Level

from . import services
from .models import Site, SiteStatus


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class SiteForm(forms.ModelForm):
    """Create or edit a site. The rules (unique short code, scope, locked short code) are checked
    again in ``sites.services``; this form only offers what the actor may choose."""

    short_code = forms.CharField(
        label=_("Kode singkat"),
        max_length=20,
        help_text=_("2–8 huruf kapital atau angka, unik di kabupaten/kota, mis. KD. Dipakai dalam kode kasus."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    region = RegionField(
        label=_("Wilayah"),
        levels=(Level.REGENCY, Level.DISTRICT, Level.VILLAGE),
        help_text=_("Kabupaten/kota, kecamatan, atau desa/kelurahan tempat lokalisasi berada."),
    )
    owner_organisation = OwnerChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Dinas Sosial penanggung jawab"),
        empty_label="—",
    )
    year_opened = forms.IntegerField(
        label=_("Tahun berdiri"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": services.EARLIEST_YEAR}),
    )
    estimated_residents = forms.IntegerField(
        label=_("Perkiraan penghuni"),
        required=False,
        min_value=0,
        help_text=_("Perkiraan jumlah penghuni saat ini, sebelum pendataan."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )

    class Meta:
        model = Site
        fields = [
            "name",
            "short_code",
            "region",
            "owner_organisation",
            "address",
            "year_opened",
            "status",
            "estimated_residents",
        ]
        labels = {"name": _("Nama lokalisasi"), "address": _("Alamat/kawasan"), "status": _("Status")}
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["status"].choices = SiteStatus.choices
        self.fields["year_opened"].widget.attrs["max"] = timezone.localdate().year
        current_owner = self.instance.owner_organisation if self.instance.owner_organisation_id else None
        owners = services.owner_organisations(actor, keep=current_owner)
        self.fields["owner_organisation"].queryset = owners
        if self.instance.pk is None:
            if actor.region_id:
                # Most sites a Dinsos registers lie in its own kabupaten/kota.
                self.initial.setdefault("region", actor.region_id)
            if actor.organisation_id and owners.filter(pk=actor.organisation_id).exists():
                self.initial.setdefault("owner_organisation", actor.organisation_id)
        elif self.instance.registered_people.exists():
            locked = _(
                "Tidak dapat diubah lagi: sudah ada penerima manfaat terdaftar dengan kode kasus yang memuatnya."
            )
            self.fields["short_code"].help_text = locked
            self.fields["region"].help_text = _(
                "Tidak dapat diubah lagi: kode kasus dan hak akses data penerima manfaat mengikuti wilayah ini."
            )

    def clean_short_code(self):
        return services.normalise_short_code(self.cleaned_data.get("short_code"))

    def clean_region(self):
        region = self.cleaned_data.get("region")
        if region is not None and not policy.in_region_scope(self.actor, region.code):
            raise forms.ValidationError(_("Wilayah ini di luar cakupan wilayah Anda."), code="out_of_scope")
        return region

    def _post_clean(self):
        # Model validation happens in sites.services; skip ModelForm's instance mutation.
        pass


class SiteFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama atau kode singkat")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *SiteStatus.choices]
    )
    region = RegionField(label=_("Di dalam wilayah"), required=False)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and len(data.getlist("q")) > 1:
            # The region picker's own search box is also named "q" and comes later in the
            # form: the first "q" is this form's search text.
            data = data.copy()
            data.setlist("q", data.getlist("q")[:1])
        super().__init__(data, *args, **kwargs)

    def filters(self) -> dict:
        """The valid filters (an unknown region or status is ignored, and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "region": data.get("region"),
        }
