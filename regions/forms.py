"""A region field with a type-ahead picker, usable in any form."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Region


class RegionPickerWidget(forms.Widget):
    """A hidden input holding the code, plus a search box that asks the server for matches
    (HTMX) as the user types; ``pulih/static/pulih/pulih.js`` handles choosing (click or
    arrow keys and Enter) and clears the code when the text is edited afterwards."""

    template_name = "regions/widgets/region_picker.html"

    def __init__(self, *, levels: tuple[int, ...] | None = None, attrs=None):
        super().__init__(attrs)
        self.levels = levels

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        region = None
        if value:
            region = value if isinstance(value, Region) else Region.objects.filter(code=str(value)).first()
        params = f"?field={context['widget']['attrs'].get('id', 'id_' + name)}"
        if self.levels:
            params += "&levels=" + ",".join(str(level) for level in self.levels)
        context["widget"].update(
            {
                "code": region.code if region else (value or ""),
                "display": region.path if region else (value or ""),
                "search_url": reverse("regions:search") + params,
            }
        )
        return context

    def id_for_label(self, id_):
        # The label belongs to the visible search box, not the hidden code input.
        return f"{id_}_search" if id_ else id_

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None


class RegionField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _("Wilayah tidak dikenal. Ketik nama atau kode, lalu pilih dari daftar."),
    }

    def __init__(self, *, levels: tuple[int, ...] | None = None, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", RegionPickerWidget(levels=levels))
        kwargs.setdefault("label", _("Wilayah"))
        super().__init__(**kwargs)
        self.levels = levels

    def clean(self, value):
        region = super().clean(value)
        if region is not None and self.levels and region.level not in self.levels:
            raise forms.ValidationError(
                _("Pilih wilayah pada tingkat: %(levels)s.")
                % {"levels": ", ".join(str(Region._meta.get_field("level").choices[lv - 1][1]) for lv in self.levels)},
                code="wrong_level",
            )
        return region
