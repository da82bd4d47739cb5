from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CandidateStatus

STATUS_CHOICES = [("open", _("Belum diputuskan")), *CandidateStatus.choices, ("all", _("Semua"))]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    q = forms.CharField(label=_("Kode kasus"), required=False, max_length=24)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": "open", "q": ""}
        return {"status": self.cleaned_data["status"] or "open", "q": self.cleaned_data["q"]}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[(CandidateStatus.SAME, _("Orang yang sama")), (CandidateStatus.DIFFERENT, _("Bukan orang yang sama"))],
    )
