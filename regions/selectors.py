"""Reads for the region pages: provinces, ancestors, what lies directly below a region."""

from __future__ import annotations

import re

from django.db.models import Count, QuerySet

from .models import Level, Region

# A whole Kemendagri code: 53 / 53.71 / 53.71.01 / 53.71.01.1001.
_FULL_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_CODE_PREFIX = re.compile(r"^[\d.]+$")


def is_region_code(value: str) -> bool:
    return bool(_FULL_CODE.match(value))


def ancestor_codes(code: str) -> list[str]:
    """ "53.71.01" → ["53", "53.71"]: the codes are prefixes of each other."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def province_list() -> QuerySet[Region]:
    """The provinces, each with ``child_count`` (its kabupaten/kota), in one query."""
    return Region.objects.filter(level=Level.PROVINCE).annotate(child_count=Count("children")).order_by("code")


def region_ancestors(region: Region) -> list[Region]:
    """Province first, down to the direct parent, in one query."""
    codes = ancestor_codes(region.code)
    if not codes:
        return []
    return list(Region.objects.filter(code__in=codes).order_by("level"))


def region_children(region: Region, *, query: str = "") -> QuerySet[Region]:
    """What lies directly below ``region``, each with ``child_count``, optionally filtered by
    a name fragment ("oebobo") or a code prefix ("53.71.04")."""
    qs = Region.objects.filter(parent_id=region.code)
    q = " ".join(query.lower().split())
    if q:
        # Digits and dots are a code prefix, even a partial one ("53.71.0").
        qs = qs.filter(code__startswith=q) if _CODE_PREFIX.match(q) else qs.filter(search_name__contains=q)
    if region.level < Level.DISTRICT:
        # Desa have nothing below them: skip the join for a kecamatan's list.
        qs = qs.annotate(child_count=Count("children"))
    return qs.order_by("code")
