"""Activities, follow-up actions, the calendar and its iCalendar feed.

Views stay thin: fetch through ``access.policy``, call ``activities.services`` or
``activities.selectors``, render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from programmes.models import ClosureProgramme
from pulih.forms import add_service_errors

from . import ical, selectors, services
from .forms import (
    ActionFilterForm,
    ActionForm,
    ActionUpdateForm,
    ActivityFilterForm,
    ActivityForm,
    AttachmentForm,
    parse_month,
)
from .models import ActionStatus, Activity, ActivityKind, Attachment, Audience, CalendarFeed, FollowUpAction


def _scope_attachments(user, qs: QuerySet) -> QuerySet:
    # An attachment is visible exactly when its activity is.
    return qs.filter(activity__in=policy.scope_activities(user, Activity.objects.all()).values("pk"))


def _get_programme(request, pk: int) -> ClosureProgramme:
    """A programme the user may record activities for: 404 outside the scope, 403 without the right."""
    programme = policy.get_for_user(
        request.user, ClosureProgramme.objects.select_related("owner_organisation"), policy.scope_programmes, pk=pk
    )
    if not policy.can_record_activity(request.user, programme):
        raise PermissionDenied
    return programme


def _get_activity(request, pk: int, *, record: bool = False) -> Activity:
    activity = selectors.activity_for_detail(request.user, pk)
    if record and not policy.can_record_activity(request.user, activity.programme):
        raise PermissionDenied
    return activity


def _safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- Activities -------------------------------------------------------------------------------


def _recordable_programmes(user) -> list[ClosureProgramme]:
    if not policy.has_perm(user, Perm.ACTIVITIES_MANAGE):
        return []
    programmes = policy.scope_programmes(user, ClosureProgramme.objects.all()).order_by("deadline", "name")[:20]
    return [p for p in programmes if policy.can_record_activity(user, p)]


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def activity_list(request):
    filters = ActivityFilterForm(request.GET, user=request.user)
    qs = selectors.activity_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "filters": filters, "recordable": _recordable_programmes(request.user)}
    # A history restore asks for the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "activities/_rows.html" if partial else "activities/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _render_detail(request, activity: Activity, *, action_form=None, attachment_form=None, status: int = 200):
    user = request.user
    can_record = policy.can_record_activity(user, activity.programme)
    today = timezone.localdate()
    actions = list(
        selectors.with_overdue(activity.actions.select_related("owner_organisation"), today=today).order_by(
            "-is_overdue", "due_on", "id"
        )
    )
    for action in actions:
        action.can_update = policy.can_update_action(user, action)
    audience = dict(Audience.choices)
    context = {
        "activity": activity,
        "participants": activity.participants.order_by("name"),
        "attachments": activity.attachments.order_by("uploaded_at", "id"),
        "actions": actions,
        "audience_labels": [audience.get(code, code) for code in activity.audience or []],
        "is_enforcement": activity.kind == ActivityKind.ENFORCEMENT,
        "can_record": can_record,
        "action_form": action_form or (ActionForm(programme=activity.programme) if can_record else None),
        "attachment_form": attachment_form or (AttachmentForm() if can_record else None),
        "action_statuses": ActionStatus.choices,
        "today": today,
    }
    return render(request, "activities/detail.html", context, status=status)


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def activity_detail(request, pk: int):
    return _render_detail(request, _get_activity(request, pk))


def _form_page(request, form, *, programme, activity=None):
    return render(
        request,
        "activities/form.html",
        {"form": form, "programme": programme, "activity": activity, "creating": activity is None},
    )


@require(Perm.ACTIVITIES_MANAGE)
@require_http_methods(["GET", "POST"])
def activity_create(request, programme_pk: int):
    programme = _get_programme(request, programme_pk)
    initial = {"organiser": programme.owner_organisation_id, "status": "planned"}
    if request.GET.get("kind") in ActivityKind.values:
        initial["kind"] = request.GET["kind"]
    form = ActivityForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                actor=request.user, programme=programme, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kegiatan dicatat. Tambahkan tindak lanjut dan lampiran di bawah bila ada."))
            return redirect("activities:detail", pk=activity.pk)
    return _form_page(request, form, programme=programme)


@require(Perm.ACTIVITIES_MANAGE)
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = _get_activity(request, pk, record=True)
    form = ActivityForm(request.POST or None, programme=activity.programme, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=request.user, activity=activity, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("activities:detail", pk=activity.pk)
    return _form_page(request, form, programme=activity.programme, activity=activity)


# --- Attachments ------------------------------------------------------------------------------


@require(Perm.ACTIVITIES_MANAGE)
@require_POST
def attachment_add(request, pk: int):
    activity = _get_activity(request, pk, record=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                activity=activity,
                uploaded=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lampiran diunggah."))
            return redirect(reverse("activities:detail", kwargs={"pk": activity.pk}) + "#lampiran")
    return _render_detail(request, activity, attachment_form=form)


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def attachment_download(request, pk: int):
    attachment = policy.get_for_user(
        request.user, Attachment.objects.select_related("activity"), _scope_attachments, pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    services.attachment_downloaded(actor=request.user, attachment=attachment, request=request)
    stored_ext = attachment.file.name.rsplit(".", 1)[-1].lower()
    filename = attachment.name
    if not filename.lower().endswith(f".{stored_ext}"):
        filename = f"{filename}.{stored_ext}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Follow-up actions ------------------------------------------------------------------------


@require(Perm.ACTIVITIES_MANAGE)
@require_POST
def action_add(request, pk: int):
    activity = _get_activity(request, pk, record=True)
    form = ActionForm(request.POST, programme=activity.programme)
    if form.is_valid():
        try:
            services.action_add(actor=request.user, activity=activity, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tindak lanjut ditambahkan."))
            return redirect(reverse("activities:detail", kwargs={"pk": activity.pk}) + "#tindak-lanjut")
    return _render_detail(request, activity, action_form=form)


@require(Perm.PROGRAMMES_VIEW)
@require_POST
def action_update(request, pk: int):
    """The programme team, or a user of the owning organisation, reports progress."""
    action = policy.get_for_user(
        request.user, FollowUpAction.objects.select_related("activity"), policy.scope_actions, pk=pk
    )
    if not policy.can_update_action(request.user, action):
        raise PermissionDenied
    default = (
        reverse("activities:detail", kwargs={"pk": action.activity_id})
        if action.activity_id
        else reverse("activities:action_list")
    )
    target = _safe_next(request, default)
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.action_update(actor=request.user, action=action, request=request, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Status tindak lanjut: %(status)s.") % {"status": ActionStatus(action.status).label},
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(target)


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def action_list(request):
    filters = ActionFilterForm(request.GET, user=request.user)
    today = timezone.localdate()
    qs = selectors.action_list(request.user, today=today, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for action in page.object_list:
        action.can_update = policy.can_update_action(request.user, action)
    context = {
        "page_obj": page,
        "filters": filters,
        "today": today,
        "action_statuses": ActionStatus.choices,
        "next_url": request.get_full_path(),
    }
    return render(request, "activities/action_list.html", context)


# --- Calendar ---------------------------------------------------------------------------------


@require(Perm.PROGRAMMES_VIEW)
@require_safe
def calendar_view(request):
    today = timezone.localdate()
    first = parse_month(request.GET.get("month"), today=today)
    month = selectors.calendar_month(request.user, first.year, first.month)
    context = {"month": month, "today": today}
    return render(request, "activities/calendar.html", context)


@require(Perm.PROGRAMMES_VIEW)
@require_http_methods(["GET", "POST"])
@never_cache
def calendar_feed_manage(request):
    """Make a secret feed address (shown once: only its hash is kept) or revoke it."""
    feed_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            count = services.calendar_feed_revoke(actor=request.user, request=request)
            if count:
                messages.success(request, _("Alamat feed dicabut. Aplikasi kalender tidak lagi menerima kegiatan."))
            return redirect("activities:calendar_feed_manage")
        if request.POST.get("action") != "create":
            return redirect("activities:calendar_feed_manage")
        _feed, token = services.calendar_feed_create(actor=request.user, request=request)
        # Shown in this response only, never stored: a reload cannot show it again.
        feed_url = request.build_absolute_uri(reverse("activities:ical_feed", kwargs={"token": token}))
    feeds = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True)
    context = {"feed_url": feed_url, "active_feed": feeds.first()}
    return render(request, "activities/calendar_feed.html", context)


@require_safe
@never_cache
def ical_feed(request, token: str):
    """The iCalendar feed behind a secret address; no sign-in (calendar apps cannot). An unknown,
    revoked or deactivated user's address is a 404, indistinguishable from a wrong one."""
    feed = services.calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    activities = selectors.feed_activities(feed.user)
    body = ical.build_calendar(
        activities,
        now=timezone.now(),
        domain=request.get_host().split(":")[0] or "pulih",
        name=_("Pulih — kegiatan"),
        url_for=lambda a: request.build_absolute_uri(reverse("activities:detail", kwargs={"pk": a.pk})),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pulih-kegiatan.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
