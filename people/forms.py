"""Forms of the people registry. They collect and tidy input; the rules are in people.services."""

from __future__ import annotations

import re

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from census.models import CensusRound
from regions.forms import RegionField
from regions.models import Level, Region
from sites.models import Site

from .identity import Identity
from .models import AlertKind, ConsentKind, Education, LegalBasis, MaritalStatus, OriginClass, Person, Sex
from .safeguards import TRAFFICKING_INDICATORS
from .services import PersonAttributes

_ALIAS_SEPARATORS = re.compile(r"[,;\n]")
# Identity inputs: no browser autofill history on shared office phones and laptops.
_PRIVATE = {"autocomplete": "off", "autocapitalize": "words", "spellcheck": "false"}


def _date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def origin_codes(region: Region | None) -> tuple[str | None, str | None]:
    """(province, regency) codes of a chosen origin: a province alone when only that is known."""
    if region is None:
        return None, None
    if region.level == Level.PROVINCE:
        return region.code, None
    return region.code[:2], region.code[:5]


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Site) -> str:
        return f"{obj.name} ({obj.short_code})"


class RoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.site.name} — {obj.name} ({obj.held_on:%d/%m/%Y})"


# --- Search ------------------------------------------------------------------------------------


class PersonSearchForm(forms.Form):
    FLAG_CHOICES = [("child", _("Anak")), ("trafficking", _("Indikasi TPPO"))]

    q = forms.CharField(
        label=_("Cari"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    site = SiteChoiceField(label=_("Lokalisasi"), queryset=Site.objects.none(), required=False, empty_label=_("Semua"))
    round = RoundChoiceField(
        label=_("Putaran pendataan"), queryset=CensusRound.objects.none(), required=False, empty_label=_("Semua")
    )
    origin = forms.ChoiceField(label=_("Asal"), required=False, choices=[("", _("Semua asal")), *OriginClass.choices])
    flags = forms.MultipleChoiceField(
        label=_("Tanda"),
        required=False,
        choices=FLAG_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Penerima dengan salah satu tanda yang dicentang."),
    )

    def __init__(self, data=None, *args, user, **kwargs):
        super().__init__(data, *args, **kwargs)
        from .selectors import may_search_identity, search_rounds, search_sites

        self.fields["site"].queryset = search_sites(user)
        if not policy.can_view_safeguarding(user):
            del self.fields["flags"]
        self.fields["round"].queryset = search_rounds(user)
        if may_search_identity(user):
            self.fields["q"].help_text = _(
                "Kode kasus (mis. 5371-KD-0001), NIK 16 digit, atau nama/alias. "
                "Ejaan lama dan baru dianggap sama (Rahayoe = Rahayu, Djuwita = Juwita)."
            )
            self.fields["q"].widget.attrs["placeholder"] = _("Kode kasus, NIK, atau nama")
        else:
            self.fields["q"].help_text = _("Peran Anda hanya dapat mencari dengan kode kasus (mis. 5371-KD-0001).")
            self.fields["q"].widget.attrs["placeholder"] = _("Kode kasus")

    def filters(self) -> dict:
        """The valid filters; an unknown site, round or choice is ignored (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "site": data.get("site"),
            "round": data.get("round"),
            "origin": data.get("origin") or "",
            "flags": data.get("flags") or [],
        }


# --- Identity (registration and editing) -------------------------------------------------------


class IdentityFieldsMixin(forms.Form):
    full_name = forms.CharField(
        label=_("Nama"),
        max_length=150,
        widget=forms.TextInput(attrs=_PRIVATE),
        help_text=_("Nama sesuai KTP bila ada; bila tidak, nama yang dipakai sehari-hari."),
    )
    aliases = forms.CharField(
        label=_("Nama lain / alias"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs=_PRIVATE),
        help_text=_("Nama panggilan atau nama di wisma. Pisahkan dengan koma."),
    )
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("16 digit dari KTP atau KK. Boleh dikosongkan bila tidak ada."),
    )
    kk_number = forms.CharField(
        label=_("Nomor KK"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_place = forms.CharField(
        label=_("Tempat lahir"), required=False, max_length=100, widget=forms.TextInput(attrs=_PRIVATE)
    )
    birth_date = forms.DateField(label=_("Tanggal lahir"), required=False, widget=_date_input(autocomplete="off"))
    phone = forms.CharField(
        label=_("Nomor HP"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    origin_address = forms.CharField(
        label=_("Alamat asal"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("Alamat di daerah asal (untuk pemulangan)."),
    )

    IDENTITY_FIELDS = (
        "full_name",
        "aliases",
        "nik",
        "kk_number",
        "birth_place",
        "birth_date",
        "phone",
        "origin_address",
    )

    def _set_date_max(self) -> None:
        self.fields["birth_date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_aliases(self) -> list[str]:
        raw = self.cleaned_data.get("aliases") or ""
        return list(dict.fromkeys(a.strip() for a in _ALIAS_SEPARATORS.split(raw) if a.strip()))

    def clean_full_name(self) -> str:
        return " ".join((self.cleaned_data.get("full_name") or "").split())

    def identity(self) -> Identity:
        data = self.cleaned_data
        return Identity(
            full_name=data["full_name"],
            aliases=data["aliases"],
            nik=(data.get("nik") or "").strip(),
            kk_number=(data.get("kk_number") or "").strip(),
            birth_place=(data.get("birth_place") or "").strip(),
            birth_date=data.get("birth_date"),
            phone=(data.get("phone") or "").strip(),
            origin_address=(data.get("origin_address") or "").strip(),
        )

    @staticmethod
    def initial_from(identity: Identity) -> dict:
        return {
            "full_name": identity.full_name,
            "aliases": ", ".join(identity.aliases),
            "nik": identity.nik,
            "kk_number": identity.kk_number,
            "birth_place": identity.birth_place,
            "birth_date": identity.birth_date,
            "phone": identity.phone,
            "origin_address": identity.origin_address,
        }


class IdentityForm(IdentityFieldsMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_date_max()


# --- Clear attributes --------------------------------------------------------------------------


def _origin_field() -> RegionField:
    return RegionField(
        label=_("Kabupaten/kota asal"),
        required=False,
        levels=(Level.PROVINCE, Level.REGENCY),
        help_text=_("Ketik nama kabupaten/kota. Bila hanya provinsinya yang diketahui, pilih provinsinya."),
    )


def _sex_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Jenis kelamin"), required=False, choices=[("", _("Tidak diketahui")), *Sex.choices]
    )


def _indicator_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Indikator perdagangan orang (TPPO)"),
        required=False,
        choices=TRAFFICKING_INDICATORS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Centang yang dialami. Satu indikator saja sudah diteruskan ke penyelia untuk ditindaklanjuti; "
            "persetujuan korban tidak menghapus TPPO."
        ),
    )


class AttributeFieldsMixin(forms.Form):
    sex = _sex_field()
    birth_year = forms.IntegerField(
        label=_("Tahun lahir"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Bila tanggal lahir tidak diketahui. Diisi otomatis dari tanggal lahir atau NIK."),
    )
    education = forms.ChoiceField(label=_("Pendidikan terakhir"), choices=Education.choices, initial=Education.UNKNOWN)
    marital_status = forms.ChoiceField(
        label=_("Status perkawinan"), choices=MaritalStatus.choices, initial=MaritalStatus.UNKNOWN
    )
    dependent_children = forms.IntegerField(
        label=_("Jumlah anak tanggungan"),
        required=False,
        min_value=0,
        max_value=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AttributesForm(AttributeFieldsMixin):
    origin = _origin_field()
    trafficking_indicators = _indicator_field()

    field_order = [
        "sex",
        "birth_year",
        "origin",
        "education",
        "marital_status",
        "dependent_children",
        "trafficking_indicators",
    ]

    @staticmethod
    def initial_from(person: Person) -> dict:
        return {
            "sex": person.sex,
            "birth_year": person.birth_year,
            "origin": person.origin_regency_id or person.origin_province_id,
            "education": person.education,
            "marital_status": person.marital_status,
            "dependent_children": person.dependent_children,
            "trafficking_indicators": person.trafficking_indicators,
        }

    def attribute_values(self) -> dict:
        data = self.cleaned_data
        province, regency = origin_codes(data.get("origin"))
        return {
            "sex": data.get("sex") or "",
            "birth_year": data.get("birth_year"),
            "origin_province": province,
            "origin_regency": regency,
            "education": data.get("education") or Education.UNKNOWN,
            "marital_status": data.get("marital_status") or MaritalStatus.UNKNOWN,
            "dependent_children": data.get("dependent_children"),
            "trafficking_indicators": data.get("trafficking_indicators") or [],
        }


# --- Registration -------------------------------------------------------------------------------

SHARE_CHOICES = [("", _("Belum ditanyakan")), ("yes", _("Setuju")), ("no", _("Tidak setuju"))]
_YES_NO = {"yes": True, "no": False}


def _coerce_yes_no(value: str) -> bool | None:
    return _YES_NO.get(value)


class RegistrationForm(IdentityFieldsMixin, AttributeFieldsMixin):
    """One person, on a phone: sections Identitas, Asal, Data statistik, Dasar pemrosesan &
    persetujuan, Perlindungan (the template lays them out by the names in SECTIONS)."""

    site = SiteChoiceField(label=_("Lokalisasi"), queryset=Site.objects.none(), empty_label="—")
    origin = _origin_field()
    legal_basis = forms.ChoiceField(
        label=_("Dasar pemrosesan data"),
        choices=LegalBasis.choices,
        initial=LegalBasis.PUBLIC_TASK,
        help_text=_("UU 27/2022 Pasal 20. Penanganan oleh Dinas Sosial umumnya pelaksanaan tugas pelayanan publik."),
    )
    share_consent = forms.TypedChoiceField(
        label=_("Setuju datanya dibagikan ke mitra (untuk rujukan)?"),
        choices=SHARE_CHOICES,
        coerce=_coerce_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    consent_on = forms.DateField(label=_("Tanggal pencatatan persetujuan"), required=False, widget=_date_input())
    trafficking_indicators = _indicator_field()

    SECTIONS = [
        (_("Identitas"), ["full_name", "aliases", "nik", "kk_number", "birth_place", "birth_date", "phone"]),
        (_("Asal"), ["origin", "origin_address"]),
        (_("Data statistik"), ["sex", "birth_year", "education", "marital_status", "dependent_children"]),
        (_("Dasar pemrosesan & persetujuan"), ["legal_basis", "share_consent", "consent_on"]),
        (_("Perlindungan"), ["trafficking_indicators"]),
    ]

    def __init__(self, *args, actor, census_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_date_max()
        self.fields["consent_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.initial.setdefault("consent_on", timezone.localdate())
        sites = registrable_sites(actor)
        if census_round is not None:
            # Counted in a round: the person is registered at the round's site.
            sites = sites.filter(pk=census_round.site_id)
            self.initial["site"] = census_round.site_id
        self.fields["site"].queryset = sites
        # Checked as it is typed; POST so the NIK stays out of URLs and logs.
        self.fields["nik"].widget.attrs.update(
            {
                "hx-post": reverse("people:nik_check"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#nik-check",
                "hx-params": "nik,birth_date,sex,origin",
                "hx-sync": "this:replace",
                "aria-describedby": "id_nik_help nik-check",
            }
        )
        if "site" not in self.initial:
            only = list(sites[:2])
            if len(only) == 1:
                self.initial["site"] = only[0].pk

    def attributes(self) -> PersonAttributes:
        data = self.cleaned_data
        province, regency = origin_codes(data.get("origin"))
        return PersonAttributes(
            sex=data.get("sex") or "",
            birth_year=data.get("birth_year"),
            origin_province=province,
            origin_regency=regency,
            education=data.get("education") or Education.UNKNOWN,
            marital_status=data.get("marital_status") or MaritalStatus.UNKNOWN,
            dependent_children=data.get("dependent_children"),
            legal_basis=data.get("legal_basis") or LegalBasis.PUBLIC_TASK,
            share_consent=data.get("share_consent"),
            trafficking_indicators=list(data.get("trafficking_indicators") or []),
        )


def registrable_sites(actor):
    """Active sites where the actor may register people (policy.can_register_people_at, as a query)."""
    if not policy.has_perm(actor, policy.Perm.PEOPLE_REGISTER):
        return Site.objects.none()
    return Site.objects.filter(policy.region_scope_q(actor, "region__code"), is_active=True).order_by("name", "pk")


# --- Consent ------------------------------------------------------------------------------------

GIVEN_CHOICES = [
    ("yes", _("Ya, setuju")),
    ("no", _("Tidak setuju")),
    ("", _("Tidak berlaku (dasar pemrosesan bukan persetujuan)")),
]


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis"), choices=ConsentKind.choices)
    given = forms.TypedChoiceField(
        label=_("Persetujuan"),
        choices=GIVEN_CHOICES,
        coerce=_coerce_yes_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    recorded_on = forms.DateField(label=_("Tanggal"), widget=_date_input())
    legal_basis = forms.ChoiceField(
        label=_("Dasar pemrosesan"),
        required=False,
        choices=[("", "—"), *LegalBasis.choices],
        help_text=_("Hanya untuk jenis Pemrosesan data (UU 27/2022 Pasal 20)."),
    )
    by_guardian = forms.BooleanField(
        label=_("Diberikan oleh wali"), required=False, help_text=_("Wajib untuk anak di bawah 18 tahun.")
    )
    note = forms.CharField(label=_("Catatan"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("recorded_on", today)
        self.fields["recorded_on"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        data = super().clean()
        kind, given, basis = data.get("kind"), data.get("given"), data.get("legal_basis")
        if kind == ConsentKind.SHARE_WITH_PARTNERS:
            data["legal_basis"] = ""
            if given is None:
                self.add_error("given", _("Pilih apakah penerima setuju atau tidak datanya dibagikan."))
        elif kind == ConsentKind.PROCESSING:
            if not basis:
                self.add_error("legal_basis", _("Pilih dasar pemrosesan."))
            elif basis == LegalBasis.CONSENT and given is None:
                self.add_error("given", _("Dasar pemrosesan persetujuan: pilih apakah penerima setuju."))
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Tanggal penarikan"), required=False, widget=_date_input())
    note = forms.CharField(label=_("Catatan"), required=False, max_length=300)


# --- Alerts -------------------------------------------------------------------------------------


class AlertFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", _("Belum ditindaklanjuti")),
        ("acknowledged", _("Sudah ditindaklanjuti")),
        ("all", _("Semua")),
    ]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *AlertKind.choices])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "open", "kind": data.get("kind") or ""}
