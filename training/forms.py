from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from organisations.models import Organisation

from . import rules, selectors
from .models import Course, LeaveReason, Skill


def _date_widget(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} — {obj.region.name}"


class CourseForm(forms.ModelForm):
    """Create or edit a course; the rules are checked again in ``training.services``."""

    provider = ProviderChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Penyelenggara"),
        empty_label="—",
        help_text=_("UPT, LKS, OPD, atau Dinas Sosial yang menyelenggarakan pelatihan."),
    )
    starts_on = forms.DateField(label=_("Mulai"), widget=_date_widget())
    ends_on = forms.DateField(
        label=_("Selesai"),
        widget=_date_widget(),
        help_text=_("Pelatihan di UPT biasanya berlangsung sekitar 4 bulan."),
    )
    capacity = forms.IntegerField(
        label=_("Kuota peserta"),
        min_value=rules.CAPACITY_MIN,
        max_value=rules.CAPACITY_MAX,
        initial=rules.CAPACITY_DEFAULT,
        help_text=_("Bila kuota penuh, kasus yang didaftarkan masuk daftar tunggu."),
    )

    class Meta:
        model = Course
        fields = ["name", "skill", "provider", "starts_on", "ends_on", "capacity", "place", "toolkit"]
        labels = {
            "name": _("Nama pelatihan"),
            "skill": _("Keterampilan"),
            "place": _("Tempat"),
            "toolkit": _("Paket alat usaha"),
        }
        help_texts = {
            "name": _("Misalnya: Pelatihan tata rias angkatan I 2019."),
            "toolkit": _("Alat yang diserahkan kepada lulusan, mis. satu set alat rias dan kursi salon."),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", "—"), *Skill.choices]
        offered = selectors.provider_choices(actor)
        if self.instance.provider_id:
            # The current provider stays selectable even if deactivated since, so other edits save.
            offered = offered | Organisation.objects.filter(pk=self.instance.provider_id).select_related("region")
        self.fields["provider"].queryset = offered.distinct()
        if self.instance.pk is None and actor.organisation_id and offered.filter(pk=actor.organisation_id).exists():
            self.initial.setdefault("provider", actor.organisation_id)

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", _("Tanggal selesai harus sesudah tanggal mulai."))
        return data

    def _post_clean(self):
        # Model validation happens in training.services.
        pass


class CourseFilterForm(forms.Form):
    PERIOD_CHOICES = [
        ("", _("Semua waktu")),
        (rules.Period.UPCOMING, _("Akan datang")),
        (rules.Period.RUNNING, _("Berjalan")),
        (rules.Period.FINISHED, _("Selesai")),
    ]

    q = forms.CharField(
        label=_("Cari"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nama pelatihan atau tempat")}),
    )
    skill = forms.ChoiceField(label=_("Keterampilan"), required=False, choices=[("", _("Semua")), *Skill.choices])
    provider = ProviderChoiceField(
        label=_("Penyelenggara"), required=False, queryset=Organisation.objects.none(), empty_label=_("Semua")
    )
    period = forms.ChoiceField(label=_("Waktu"), required=False, choices=PERIOD_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = selectors.providers_with_courses(user).select_related("region")

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "skill": data.get("skill") or "",
            "provider": data.get("provider"),
            "period": data.get("period") or "",
        }


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        pathway = obj.get_pathway_display() if obj.pathway else _("jalur belum ditetapkan")
        return f"{obj.number} — {pathway}"


class EnrolForm(forms.Form):
    """Pick a case from the proposals, or type its number. A case from the list is checked
    against the user's scope in the view (outside it: 404); a typed number is searched in it."""

    case = forms.IntegerField(label=_("Kasus dari rencana intervensi"), required=False, widget=forms.Select)
    case_number = forms.CharField(
        label=_("Atau ketik nomor kasus / kode kasus"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "5371-KD-0001/1", "autocomplete": "off"}),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        label = CaseChoiceField(queryset=Case.objects.none()).label_from_instance
        self.fields["case"].widget.choices = [("", "—"), *((c.pk, label(c)) for c in candidates)]
        self.fields["case"].help_text = _(
            "Kasus aktif di wilayah Anda dengan layanan pelatihan yang direncanakan, atau berjalur "
            "pemberdayaan setempat / rehabilitasi di UPT."
        )

    def clean(self):
        data = super().clean()
        if not data.get("case") and not (data.get("case_number") or "").strip():
            raise forms.ValidationError(_("Pilih kasus dari daftar atau ketik nomor kasusnya."))
        return data


class LeaveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Alasan"),
        choices=[("", "—"), *LeaveReason.choices],
        error_messages={"required": _("Pilih alasan.")},
        help_text=_("Tanpa keterangan kesehatan atau nama: alasan tampil di riwayat kasus."),
    )


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Tanggal lulus"), widget=_date_widget())
    certificate_number = forms.CharField(
        label=_("Nomor sertifikat"),
        required=False,
        max_length=60,
        help_text=_("Kosongkan bila sertifikat belum terbit. Tidak boleh sama dengan peserta lain di pelatihan ini."),
    )
    toolkit_handed_on = forms.DateField(
        label=_("Alat usaha diserahkan pada"),
        required=False,
        widget=_date_widget(),
        help_text=_("Kosongkan bila belum diserahkan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        self.fields["completed_on"].widget.attrs["max"] = today
        self.fields["toolkit_handed_on"].widget.attrs["max"] = today


class AttendanceForm(forms.Form):
    """The grid: the sessions held so far, then one number per enrolled participant."""

    sessions_total = forms.IntegerField(label=_("Jumlah pertemuan yang sudah berlangsung"), min_value=0, max_value=500)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for enrolment in participants:
            name = f"attended_{enrolment.pk}"
            self.fields[name] = forms.IntegerField(
                label=enrolment.case.person.case_code,
                min_value=0,
                max_value=500,
                initial=enrolment.sessions_attended,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "style": "max-width:7rem"}),
            )
            self.rows.append((enrolment, name))

    def bound_rows(self):
        return [(enrolment, self[name]) for enrolment, name in self.rows]

    def clean(self):
        data = super().clean()
        total = data.get("sessions_total")
        if total is not None:
            for _enrolment, name in self.rows:
                value = data.get(name)
                if value is not None and value > total:
                    self.add_error(name, _("Lebih dari jumlah pertemuan (%(total)d).") % {"total": total})
        return data

    def attended(self) -> dict[int, int]:
        return {enrolment.pk: self.cleaned_data[name] for enrolment, name in self.rows}
