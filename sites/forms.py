from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation
from regions.forms import RegionField
from regions.models import Level

from . import services
from .models import STATUS_ORDER, Site, SiteStatus
from .owners import WismaOwner


def _date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


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
    # Only when creating: the date of the first row of the status history.
    status_on = forms.DateField(
        label=_("Status sejak"),
        required=False,
        help_text=_("Tanggal status ini berlaku. Kosongkan bila sejak hari ini."),
        widget=_date_input(),
    )

    field_order = [
        "name",
        "short_code",
        "region",
        "owner_organisation",
        "address",
        "year_opened",
        "status",
        "status_on",
        "estimated_residents",
    ]

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
        if self.instance.pk is None:
            self.fields["status_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        else:
            # An existing site's history grows through "Ubah status" (any date, with a note).
            del self.fields["status_on"]
            self.fields["status"].help_text = _(
                "Perubahan status di sini dicatat dengan tanggal hari ini. Untuk tanggal lain, atau untuk "
                'status mundur dengan catatan, gunakan "Ubah status" di halaman lokalisasi.'
            )
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


class StatusChangeForm(forms.Form):
    """A dated change of a site's status. The order and date rules are in
    ``services.site_change_status``."""

    status = forms.ChoiceField(label=_("Status baru"), choices=SiteStatus.choices)
    on = forms.DateField(label=_("Tanggal"), widget=_date_input())
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib bila status mundur, mis. lokalisasi beroperasi kembali setelah ditutup."),
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["on"].widget.attrs["max"] = today.isoformat()
        # Offer the next step of the closure by default.
        rank = STATUS_ORDER.index(site.status) if site.status in STATUS_ORDER else -1
        self.initial.setdefault("status", STATUS_ORDER[min(rank + 1, len(STATUS_ORDER) - 1)])
        self.initial.setdefault("on", today)


# Owner inputs: no browser autofill history on shared office phones and laptops.
_PRIVATE = {"autocomplete": "off", "spellcheck": "false"}


class WismaForm(forms.Form):
    """A wisma and its owner. ``include_owner=False`` leaves the owner out entirely (an editor
    who may not see it keeps it unchanged); ``include_active`` only when editing."""

    name = forms.CharField(
        label=_("Nama wisma"),
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": _("mis. Wisma Melati")}),
    )
    estimated_residents = forms.IntegerField(
        label=_("Perkiraan penghuni"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    is_active = forms.BooleanField(
        label=_("Masih beroperasi"),
        required=False,
        help_text=_("Hapus centang bila wisma sudah tutup. Datanya tetap tersimpan."),
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=services.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Jangan menulis nama penghuni atau data pribadi di sini."),
    )
    owner_name = forms.CharField(
        label=_("Nama pemilik"),
        required=False,
        max_length=services.OWNER_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={**_PRIVATE, "autocapitalize": "words"}),
    )
    owner_phone = forms.CharField(
        label=_("Nomor HP pemilik"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    owner_address = forms.CharField(
        label=_("Alamat pemilik"),
        required=False,
        max_length=services.OWNER_ADDRESS_MAX_LENGTH,
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": 2}),
    )

    OWNER_FIELDS = ("owner_name", "owner_phone", "owner_address")

    def __init__(self, *args, include_owner: bool = True, include_active: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.include_owner = include_owner
        if not include_owner:
            for name in self.OWNER_FIELDS:
                del self.fields[name]
        if not include_active:
            del self.fields["is_active"]

    def details_fields(self):
        return [self[name] for name in ("name", "estimated_residents", "is_active", "note") if name in self.fields]

    def owner_fields(self):
        return [self[name] for name in self.OWNER_FIELDS if name in self.fields]

    def owner(self) -> WismaOwner:
        data = self.cleaned_data
        return WismaOwner(
            name=data.get("owner_name") or "",
            phone=data.get("owner_phone") or "",
            address=data.get("owner_address") or "",
        )

    def values(self) -> dict:
        """The wisma's own fields, for ``services.wisma_create``/``wisma_update``."""
        data = self.cleaned_data
        values = {"name": data["name"], "estimated_residents": data.get("estimated_residents"), "note": data["note"]}
        if "is_active" in self.fields:
            values["is_active"] = data["is_active"]
        return values

    @staticmethod
    def initial_from(wisma, owner: WismaOwner | None) -> dict:
        initial = {
            "name": wisma.name,
            "estimated_residents": wisma.estimated_residents,
            "is_active": wisma.is_active,
            "note": wisma.note,
        }
        if owner is not None:
            initial.update(owner_name=owner.name, owner_phone=owner.phone, owner_address=owner.address)
        return initial
