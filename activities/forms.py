"""Forms of the activities pages. They only offer what the user may choose; the rules are
checked again in ``activities.services``. There is no field for a person: activities hold
aggregate counts only."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from programmes.models import ClosureProgramme
from sites.models import Site

from . import selectors
from .models import ActionStatus, ActivityKind, ActivityStatus, Audience

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.short_name})" if obj.short_name else obj.name


class OrganisationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.short_name})" if obj.short_name else obj.name


def _datetime_field(label, *, required: bool, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H.%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


def _date_field(label, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ActivityForm(forms.Form):
    """Record or change an activity of one programme."""

    kind = forms.ChoiceField(
        label=_("Jenis kegiatan"),
        help_text=_("Patroli/operasi bersama dicatat sebagai jumlah saja, tanpa nama orang."),
    )
    title = forms.CharField(
        label=_("Judul"),
        max_length=200,
        help_text=_("Mis. Rakor penutupan Lokalisasi Karang Dempel bersama OPD, LSM, dan TNI/Polri."),
    )
    starts_at = _datetime_field(_("Mulai"), required=True)
    ends_at = _datetime_field(_("Selesai"), required=False)
    venue = forms.CharField(
        label=_("Tempat"), max_length=200, required=False, help_text=_("Mis. Ruang Garuda, Balai Kota Kupang.")
    )
    organiser = OrganisationChoiceField(queryset=None, label=_("Penyelenggara"), empty_label="—")
    participants = OrganisationMultipleChoiceField(
        queryset=None,
        required=False,
        label=_("Organisasi peserta"),
        widget=forms.CheckboxSelectMultiple,
    )
    audience = forms.MultipleChoiceField(
        label=_("Sasaran"), required=False, choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    attendance_female = forms.IntegerField(
        label=_("Hadir perempuan (P)"), required=False, min_value=0, widget=forms.NumberInput(attrs={"min": 0})
    )
    attendance_male = forms.IntegerField(
        label=_("Hadir laki-laki (L)"), required=False, min_value=0, widget=forms.NumberInput(attrs={"min": 0})
    )
    minutes = forms.CharField(label=_("Notulen"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(
        label=_("Keputusan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Tindak lanjut dengan penanggung jawab dan batas waktu dicatat sesudah kegiatan disimpan."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    site = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Lokalisasi"), empty_label=_("— Seluruh program —")
    )

    def __init__(self, *args, programme: ClosureProgramme, activity=None, **kwargs):
        if activity is not None:
            kwargs.setdefault("initial", {}).update(self.initial_from(activity))
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["kind"].choices = [("", "—"), *ActivityKind.choices]
        keep = []
        if activity is not None:
            keep = [activity.organiser_id, *activity.participants.values_list("pk", flat=True)]
        organisations = selectors.organisation_choices(programme, keep=keep)
        self.fields["organiser"].queryset = organisations
        self.fields["participants"].queryset = organisations
        self.fields["site"].queryset = Site.objects.filter(programme_links__programme=programme).order_by("name")

    @staticmethod
    def initial_from(activity) -> dict:
        return {
            "kind": activity.kind,
            "title": activity.title,
            "starts_at": timezone.localtime(activity.starts_at) if activity.starts_at else None,
            "ends_at": timezone.localtime(activity.ends_at) if activity.ends_at else None,
            "venue": activity.venue,
            "organiser": activity.organiser_id,
            "participants": list(activity.participants.values_list("pk", flat=True)),
            "audience": activity.audience,
            "attendance_female": activity.attendance_female,
            "attendance_male": activity.attendance_male,
            "minutes": activity.minutes,
            "decisions": activity.decisions,
            "status": activity.status,
            "site": activity.site_id,
        }

    @property
    def is_enforcement(self) -> bool:
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return kind == ActivityKind.ENFORCEMENT


class ActivityFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Judul atau tempat")}),
    )
    programme = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Program"), empty_label=_("Semua program")
    )
    kind = forms.ChoiceField(label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *ActivityKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *ActivityStatus.choices]
    )
    date_from = _date_field(_("Dari tanggal"))
    date_to = _date_field(_("Sampai tanggal"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = policy.scope_programmes(user, ClosureProgramme.objects.all()).order_by(
            "name", "pk"
        )

    def filters(self) -> dict:
        """The valid filters; an invalid one is ignored (and shown as an error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "programme": data.get("programme"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas"),
        help_text=_(
            "PDF, JPG, PNG, DOCX, atau XLSX, paling besar 10 MB. Jangan unggah daftar nama penghuni atau foto "
            "yang memperlihatkan wajah mereka."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}),
    )
    name = forms.CharField(
        label=_("Nama berkas"),
        max_length=200,
        required=False,
        help_text=_("Mis. Notulen rakor 30 Oktober 2018. Kosongkan untuk memakai nama berkasnya."),
    )


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Tindak lanjut"), max_length=300)
    owner_organisation = OrganisationChoiceField(queryset=None, label=_("Penanggung jawab"), empty_label="—")
    due_on = _date_field(_("Batas waktu"), required=True)

    def __init__(self, *args, programme: ClosureProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = selectors.organisation_choices(programme)


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    done_on = _date_field(_("Tanggal selesai"))
    note = forms.CharField(label=_("Catatan"), max_length=300, required=False)


class ActionFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", _("Belum selesai")),
        ("done", _("Selesai")),
        ("cancelled", _("Dibatalkan")),
        ("all", _("Semua status")),
    ]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    programme = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Program"), empty_label=_("Semua program")
    )
    mine = forms.BooleanField(label=_("Hanya organisasi saya"), required=False)
    overdue = forms.BooleanField(label=_("Hanya yang terlambat"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = policy.scope_programmes(user, ClosureProgramme.objects.all()).order_by(
            "name", "pk"
        )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "open",
            "programme": data.get("programme"),
            "mine": bool(data.get("mine")),
            "overdue": bool(data.get("overdue")),
        }


def parse_month(value: str | None, *, today: dt.date) -> dt.date:
    """``2018-10`` → 1 October 2018; anything else → the first of the current month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1900 <= year <= 2200:
            return dt.date(year, month, 1)
    except (TypeError, ValueError):
        pass
    return today.replace(day=1)
