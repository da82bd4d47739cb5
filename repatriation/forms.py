from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from organisations.models import Organisation, OrgKind
from programmes.models import ClosureProgramme
from regions.forms import RegionField

from . import rules
from .models import Mode, RepatriationStatus, TripStatus
from .services import ORGANISER_KINDS


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


def _date_widget(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


class TripForm(forms.Form):
    """Create or edit a trip. The rules (escort accreditation, scope) are checked again in
    ``repatriation.services``; this form offers what the actor may choose."""

    organiser = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Penyelenggara"), empty_label="—")
    programme = forms.ModelChoiceField(
        queryset=ClosureProgramme.objects.none(), required=False, label=_("Program penutupan"), empty_label="—"
    )
    departure_on = forms.DateField(label=_("Tanggal berangkat"), widget=_date_widget())
    mode = forms.ChoiceField(label=_("Moda"), choices=[("", "—"), *Mode.choices])
    route = forms.CharField(
        label=_("Rute"), max_length=200, help_text=_("Mis. Kupang – Surabaya (KM Awu), atau Kupang – Soe (darat).")
    )
    escort = OrganisationChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Organisasi pendamping"),
        empty_label="—",
        help_text=_("LKS harus memiliki akreditasi Kemensos yang berlaku pada tanggal berangkat."),
    )
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)

    def __init__(self, *args, actor, trip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        organisers = Organisation.objects.filter(kind__in=ORGANISER_KINDS, is_active=True).filter(
            policy.region_scope_q(actor, "region__code")
        )
        # Escorts from the actor's region, its province (Dinsos provinsi, Polda…) or Kemensos.
        nearby = policy.region_scope_q(actor, "region__code")
        if actor.region_id:
            nearby |= Q(region__code=actor.region_id[:2]) | Q(region__code__startswith=f"{actor.region_id[:2]}.")
        escorts = Organisation.objects.filter(is_active=True).filter(nearby | Q(kind=OrgKind.KEMENSOS))
        if trip is not None:
            # The current choices stay selectable even if since deactivated.
            organisers = organisers | Organisation.objects.filter(pk=trip.organiser_id)
            if trip.escort_id:
                escorts = escorts | Organisation.objects.filter(pk=trip.escort_id)
        self.fields["organiser"].queryset = organisers.order_by("name", "pk")
        self.fields["escort"].queryset = escorts.order_by("name", "pk")
        self.fields["programme"].queryset = policy.scope_programmes(actor, ClosureProgramme.objects.all()).order_by(
            "name"
        )
        if trip is None:
            self.initial.setdefault("organiser", actor.organisation_id)
        else:
            self.initial.update(
                {
                    "organiser": trip.organiser_id,
                    "programme": trip.programme_id,
                    "departure_on": trip.departure_on,
                    "mode": trip.mode,
                    "route": trip.route,
                    "escort": trip.escort_id,
                    "note": trip.note,
                    "status": trip.status,
                }
            )
            self.fields["status"] = forms.ChoiceField(label=_("Status"), choices=TripStatus.choices)


class TripFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *TripStatus.choices]
    )
    mode = forms.ChoiceField(label=_("Moda"), required=False, choices=[("", _("Semua moda")), *Mode.choices])
    date_from = forms.DateField(label=_("Berangkat sejak"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("Berangkat sampai"), required=False, widget=_date_widget())

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "",
            "mode": data.get("mode") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class CostField(forms.CharField):
    """Rupiah as typed in Indonesia: "250.000", "Rp 1.500.000"."""

    def clean(self, value):
        value = super().clean(value)
        return rules.parse_cost(value)


class AddPeopleForm(forms.Form):
    cases = forms.MultipleChoiceField(
        label=_("Orang yang dipulangkan"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih minimal satu orang.")},
    )
    destination = RegionField(
        label=_("Daerah tujuan (opsional)"),
        required=False,
        levels=(2, 3, 4),
        help_text=_(
            "Kosongkan agar setiap orang dipulangkan ke kabupaten/kota asalnya. Isi bila semua yang dipilih "
            "pulang ke tempat lain (mis. ke keluarga)."
        ),
    )
    cost = CostField(
        label=_("Biaya per orang (Rp)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "250.000"}),
        help_text=_("Tiket, makan, dan transport lokal per orang. Boleh ditulis 250.000."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.case.pk): c for c in candidates}
        self.fields["cases"].choices = [(key, c.case.number) for key, c in self.candidates.items()]

    def selected_cases(self):
        return [self.candidates[key].case for key in self.cleaned_data.get("cases", [])]


class HandoverForm(forms.Form):
    handed_over_on = forms.DateField(label=_("Tanggal serah terima"), widget=_date_widget())
    signed_by_name = forms.CharField(
        label=_("Diterima dan ditandatangani oleh"),
        max_length=150,
        help_text=_("Pejabat Dinas Sosial penerima yang menandatangani berita acara (dalam jabatannya)."),
    )
    signed_by_position = forms.CharField(label=_("Jabatan"), max_length=150, required=False)
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handed_over_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class IncomingFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Semua status")), *[c for c in RepatriationStatus.choices if c[0] != "cancelled"]]
    ACK_CHOICES = [("", _("Semua")), ("yes", _("Sudah dikonfirmasi")), ("no", _("Belum dikonfirmasi"))]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    acknowledged = forms.ChoiceField(label=_("Konfirmasi penerimaan"), required=False, choices=ACK_CHOICES)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "", "acknowledged": data.get("acknowledged") or ""}
