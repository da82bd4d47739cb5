"""Auditor pages: the log with filters, one event, and a CSV export (itself audited)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access import policy
from access.policy import Perm, require

from .forms import AuditFilterForm
from .models import Action, AuditEvent
from .selectors import audit_event_hash_matches, audit_events_filtered, audit_object_types
from .services import audit_record

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


def _filtered_events(request) -> tuple[AuditFilterForm, QuerySet[AuditEvent], dict[str, Any]]:
    """The user's scoped events, the filter form from the query string, and the criteria applied."""
    scoped = policy.scope_audit_events(request.user, AuditEvent.objects.all())
    filters = AuditFilterForm(request.GET or None, object_types=audit_object_types(scoped))
    criteria = filters.criteria()
    return filters, audit_events_filtered(scoped, **criteria), criteria


def _wants_rows_only(request) -> bool:
    # A history restore asks for the whole page (the list opts out of HTMX's history cache).
    return bool(request.htmx) and not request.htmx.history_restore_request


@never_cache
@require(Perm.AUDIT_VIEW)
@require_GET
def event_list(request):
    filters, events, _criteria = _filtered_events(request)
    page = Paginator(events.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "audit/_rows.html" if _wants_rows_only(request) else "audit/list.html"
    response = render(request, template, {"page_obj": page, "filters": filters})
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
@require(Perm.AUDIT_VIEW)
@require_GET
def event_detail(request, pk: int):
    event = policy.get_for_user(request.user, AuditEvent.objects.all(), policy.scope_audit_events, pk=pk)
    return render(
        request,
        "audit/detail.html",
        {
            "event": event,
            "detail_json": json.dumps(event.detail, indent=2, ensure_ascii=False, sort_keys=True),
            "hash_matches": audit_event_hash_matches(event),
        },
    )


# --- CSV export -----------------------------------------------------------------------------

# A cell starting with one of these is a formula in a spreadsheet. Usernames typed at a failed
# login and user agents come from outside: neutralise them (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _export_header() -> list[str]:
    return [
        _("ID"),
        _("Waktu"),
        _("Nama pengguna"),
        _("Wilayah pelaku"),
        _("Kode tindakan"),
        _("Tindakan"),
        _("Jenis objek"),
        _("ID objek"),
        _("Objek"),
        _("Alamat IP"),
        _("User agent"),
        _("Rincian"),
        _("Hash sebelumnya"),
        _("Hash"),
    ]


def _export_row(event: AuditEvent) -> list[str]:
    return [
        str(event.pk),
        timezone.localtime(event.at).isoformat(timespec="seconds"),
        _cell(event.actor_username),
        _cell(event.actor_region_code),
        _cell(event.action),
        _cell(event.get_action_display()),
        _cell(event.object_type),
        _cell(event.object_id),
        _cell(event.object_label),
        _cell(event.ip_address),
        _cell(event.user_agent),
        _cell(json.dumps(event.detail, ensure_ascii=False, sort_keys=True)),
        event.prev_hash,
        event.hash,
    ]


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark lets spreadsheet programs open the file as UTF-8.
    yield "\ufeff" + writer.writerow(_export_header())
    for event in events:
        yield writer.writerow(_export_row(event))


def _jsonable(criteria: dict[str, Any]) -> dict[str, str]:
    return {name: value.isoformat() if hasattr(value, "isoformat") else str(value) for name, value in criteria.items()}


@never_cache
@require(Perm.AUDIT_VIEW)
@require_GET
def export(request):
    _filters, events, criteria = _filtered_events(request)
    # Recorded before the first byte leaves, so an interrupted download is still on record.
    record = audit_record(
        Action.EXPORT, request=request, object_type="audit.auditevent", detail={"filters": _jsonable(criteria)}
    )
    # The export shows the log as it was when asked for, without its own record or later rows.
    rows = events.filter(id__lt=record.pk).order_by("-id").iterator(chunk_size=EXPORT_CHUNK)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"audit-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
