"""Reading lokalisasi: the list with its filters, and for one site its status history, wisma and
census rounds, without a query per row."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery

from access import policy
from census.models import CensusRound
from census.selectors import RoundSummary, round_summary
from regions.models import Region, within_q

from .models import Site, SiteStatusChange, Wisma


def _region_name(code_field: str) -> Subquery:
    return Subquery(Region.objects.filter(code=OuterRef(code_field)).values("name")[:1])


def with_region_names(qs: QuerySet[Site]) -> QuerySet[Site]:
    """``regency_name`` and ``province_name`` of each site, whatever level its own region is at."""
    return qs.annotate(regency_name=_region_name("regency_code"), province_name=_region_name("province_code"))


def with_people_count(qs: QuerySet[Site]) -> QuerySet[Site]:
    return qs.annotate(people_count=Count("registered_people"))


def site_list(user, *, q: str = "", status: str = "", region: Region | None = None) -> QuerySet[Site]:
    """Sites in the user's scope, filtered, ordered by name, with region names and the number of
    people registered at each."""
    qs = policy.scope_sites(user, Site.objects.all())
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_code__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if region is not None:
        qs = qs.filter(within_q("region__code", region.code))
    return with_people_count(with_region_names(qs)).order_by("name", "pk")


def site_for_detail(user, pk: int) -> Site:
    """One site through the policy (404 outside the scope), with what the detail page shows."""
    qs = with_people_count(with_region_names(Site.objects.select_related("region", "owner_organisation")))
    return policy.get_for_user(user, qs, policy.scope_sites, pk=pk)


def census_summaries(user, site: Site) -> list[RoundSummary]:
    """Each census round of the site the user may see, oldest first, with its counts. A site
    has a handful of rounds, so a few queries per round are fine here."""
    rounds = policy.scope_census_rounds(user, CensusRound.objects.filter(site=site))
    rounds = rounds.select_related("site").order_by("held_on", "id")
    return [round_summary(census_round) for census_round in rounds]


def status_history(site: Site) -> list[SiteStatusChange]:
    """The site's status changes, oldest first. Sites registered before the history existed
    have none: the page then shows only the current status."""
    return list(site.status_changes.select_related("recorded_by").order_by("on", "pk"))


def wisma_for_user(user, pk: int) -> Wisma:
    """One wisma through its site's scope (404 outside it)."""
    qs = Wisma.objects.select_related("site", "site__region")
    return policy.get_for_user(user, qs, policy.scope_wisma, pk=pk)


@dataclass
class WismaSummary:
    wisma: list[Wisma]
    active_count: int
    # Sum of the active wisma's estimates; None when none of them has one.
    active_residents: int | None


def wisma_summary(site: Site) -> WismaSummary:
    """The wisma of a site, active first then by name, and the total estimate of the active ones
    (shown beside the site's own estimate: two independent guesses that should agree)."""
    has_owner = ExpressionWrapper(~Q(owner_ciphertext=""), output_field=BooleanField())
    qs = site.wisma.defer("owner_ciphertext").annotate(has_owner=has_owner)
    wisma = list(qs.order_by("-is_active", "name", "pk"))
    active = [w for w in wisma if w.is_active]
    estimates = [w.estimated_residents for w in active if w.estimated_residents is not None]
    return WismaSummary(wisma=wisma, active_count=len(active), active_residents=sum(estimates) if estimates else None)
