"""Reading the organisation registry: the list with its filters, without a query per row."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery

from access import policy
from regions.models import Region, within_q

from .models import Accreditation, Organisation, OrgKind


def with_newest_accreditation(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Annotate each organisation with its newest accreditation (the one that decides):
    ``newest_grade``, ``newest_granted_on``, ``newest_valid_until`` — None when there is none."""
    newest = Accreditation.objects.filter(organisation=OuterRef("pk")).order_by("-granted_on", "-id")
    return qs.annotate(
        newest_grade=Subquery(newest.values("grade")[:1]),
        newest_granted_on=Subquery(newest.values("granted_on")[:1]),
        newest_valid_until=Subquery(newest.values("valid_until")[:1]),
    )


def organisation_list(
    user,
    *,
    q: str = "",
    kind: str = "",
    region: Region | None = None,
    status: str = "active",
    accreditation: str = "",
    on: dt.date,
) -> QuerySet[Organisation]:
    """Organisations the user may see, filtered, ordered by name.

    ``status``: active / inactive / all. ``accreditation`` (LKS only): valid / expired / none
    on the day ``on``, by the newest accreditation."""
    qs = policy.scope_organisations(user, Organisation.objects.select_related("region"))
    qs = with_newest_accreditation(qs)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if region is not None:
        qs = qs.filter(within_q("region__code", region.code))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    if accreditation:
        qs = qs.filter(kind=OrgKind.LKS)
        valid = Q(newest_granted_on__lte=on, newest_valid_until__gte=on)
        if accreditation == "valid":
            qs = qs.filter(valid)
        elif accreditation == "expired":
            qs = qs.filter(newest_valid_until__isnull=False).exclude(valid)
        elif accreditation == "none":
            qs = qs.filter(newest_valid_until__isnull=True)
    return qs.order_by("name", "pk")
