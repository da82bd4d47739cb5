"""Origin class: where a person comes from relative to the site's region. Drives the pathway
(city residents: local empowerment; others: repatriation)."""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, Value, When

from .models import OriginClass


def origin_class(*, origin_regency: str | None, origin_province: str | None, site_region: str) -> str:
    if origin_regency and origin_regency == site_region[:5]:
        return OriginClass.LOCAL
    province = origin_province or (origin_regency[:2] if origin_regency else None)
    if not province:
        return OriginClass.UNKNOWN
    if province == site_region[:2]:
        return OriginClass.SAME_PROVINCE
    return OriginClass.OTHER_PROVINCE


def origin_class_expression(*, person: str = "", site_regency: str, site_province: str) -> Case:
    """The same rule as a database expression, for counting without loading people.
    ``person`` is the path to the person ("" on Person itself, "person__" from an entry)."""
    regency = f"{person}origin_regency_id"
    province = f"{person}origin_province_id"
    return Case(
        When(Q(**{regency: F(site_regency)}), then=Value(OriginClass.LOCAL)),
        When(Q(**{f"{province}__isnull": True}), then=Value(OriginClass.UNKNOWN)),
        When(Q(**{province: F(site_province)}), then=Value(OriginClass.SAME_PROVINCE)),
        default=Value(OriginClass.OTHER_PROVINCE),
        output_field=CharField(),
    )
