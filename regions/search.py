"""Type-ahead search over regions: by name ("kupang") or by code ("53.71")."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Level, Region

_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?\.?$")
_PREFIXES = re.compile(r"^(provinsi|prov|kabupaten|kab|kota|kecamatan|kec|desa|kelurahan|kel)\.?\s+")


def looks_like_code(query: str) -> bool:
    return bool(_CODE.match(query.strip()))


def region_search(
    query: str, *, levels: tuple[int, ...] | None = None, within: str | None = None, limit: int = 15
) -> list[Region]:
    """Best matches first: exact name, then name starting with the query, then containing it;
    larger regions before smaller ones, so "kupang" gives Kota and Kabupaten Kupang first."""
    q = " ".join(query.lower().split())
    if not q:
        return []
    qs: QuerySet = Region.objects.all()
    if levels:
        qs = qs.filter(level__in=levels)
    if within:
        qs = qs.filter(code__startswith=f"{within}.")
    if looks_like_code(q):
        code = q.rstrip(".")
        qs = qs.filter(code__startswith=code).annotate(
            rank=Case(When(code=code, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        return list(qs.order_by("rank", "level", "code")[:limit])
    # "kab. kupang" → also match the bare name "kupang" inside "kabupaten kupang".
    bare = _PREFIXES.sub("", q)
    qs = qs.filter(search_name__contains=bare).annotate(
        rank=Case(
            When(search_name=q, then=Value(0)),
            When(search_name=bare, then=Value(1)),
            When(search_name__startswith=q, then=Value(2)),
            When(search_name__endswith=f" {bare}", then=Value(3)),
            When(search_name__startswith=bare, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        )
    )
    if levels is None and len(bare) < 4:
        # Very short queries would list thousands of villages; keep to larger regions.
        qs = qs.filter(level__lte=Level.DISTRICT)
    return list(qs.order_by("level", "rank", "search_name")[:limit])
