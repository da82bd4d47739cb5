"""Region pages (provinces, one region and what lies below it) and the picker's search."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from access.policy import Perm, require

from . import selectors
from .models import Level, Region
from .search import region_search

CHILDREN_PER_PAGE = 50
INDEX_SEARCH_LIMIT = 50
PICKER_LIMIT = 15
_FIELD_ID = re.compile(r"^[A-Za-z][\w-]{0,80}$")


@require(Perm.REGIONS_VIEW)
def index(request):
    query = request.GET.get("q", "").strip()
    context = {
        "provinces": selectors.province_list(),
        "query": query,
        "results": region_search(query, limit=INDEX_SEARCH_LIMIT) if query else [],
        "result_limit": INDEX_SEARCH_LIMIT,
    }
    return render(request, "regions/index.html", context)


@require(Perm.REGIONS_VIEW)
def detail(request, code: str):
    if not selectors.is_region_code(code):
        raise Http404
    try:
        region = Region.objects.get(code=code)
    except Region.DoesNotExist as exc:
        raise Http404 from exc
    query = request.GET.get("q", "").strip()
    child_level = Level(region.level + 1) if region.level < Level.VILLAGE else None
    children = selectors.region_children(region, query=query) if child_level else Region.objects.none()
    page = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "region": region,
        "ancestors": selectors.region_ancestors(region),
        "child_level": child_level,
        "grandchild_level": Level(region.level + 2) if region.level < Level.DISTRICT else None,
        "page_obj": page,
        "query": query,
    }
    # The filter box asks for the rows only; a history restore asks for the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "regions/_children.html" if partial else "regions/detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _levels(value: str) -> tuple[int, ...] | None:
    levels = tuple(sorted({int(part) for part in value.split(",") if part.strip() in {"1", "2", "3", "4"}}))
    return levels or None


@require(Perm.REGIONS_VIEW)
def search(request):
    """Options for the type-ahead picker (HTMX): at most 15 matches, an empty list for no text."""
    query = request.GET.get("q", "").strip()
    within = request.GET.get("within", "").strip()
    field = request.GET.get("field", "")
    regions = region_search(
        query,
        levels=_levels(request.GET.get("levels", "")),
        within=within if selectors.is_region_code(within) else None,
        limit=PICKER_LIMIT,
    )
    context = {"regions": regions, "query": query, "field": field if _FIELD_ID.match(field) else "region"}
    return render(request, "regions/_options.html", context)
