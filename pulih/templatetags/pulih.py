"""Template helpers: Indonesian money format, query strings that keep filters."""

from decimal import Decimal

from django import template
from lokal import format_rupiah, terbilang

register = template.Library()


@register.filter
def rupiah(value, decimals: bool = False) -> str:
    """``Rp300.000.000`` (PUEBI: no space after Rp)."""
    if value in (None, ""):
        return "—"
    return format_rupiah(Decimal(value), decimals=bool(decimals))


@register.filter(name="terbilang")
def terbilang_filter(value) -> str:
    if value in (None, ""):
        return ""
    return terbilang(int(value), currency=True)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
