"""Reading activities, follow-up actions and the calendar, always through the policy's scopes and
without a query per row."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from access import policy
from organisations.models import Organisation, OrgKind
from regions.models import within_q

from .models import ActionStatus, Activity, FollowUpAction

# --- Activities -------------------------------------------------------------------------------


def activities_in_scope(user) -> QuerySet[Activity]:
    return policy.scope_activities(user, Activity.objects.all())


def activity_list(
    user,
    *,
    q: str = "",
    programme=None,
    kind: str = "",
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Activity]:
    """Activities the user may see, newest first. Dates are days in the local time zone."""
    qs = activities_in_scope(user).select_related("programme", "organiser")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(venue__icontains=q))
    if programme is not None:
        qs = qs.filter(programme=programme)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if date_from is not None:
        qs = qs.filter(starts_at__gte=start_of_day(date_from))
    if date_to is not None:
        qs = qs.filter(starts_at__lt=start_of_day(date_to + dt.timedelta(days=1)))
    return qs.order_by("-starts_at", "-id")


def activity_for_detail(user, pk: int) -> Activity:
    return policy.get_for_user(
        user,
        Activity.objects.select_related("programme", "organiser", "site", "created_by"),
        policy.scope_activities,
        pk=pk,
    )


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the current time zone (the user's region's, pulih/timezones.py)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def organisation_choices(programme, *, keep=()) -> QuerySet[Organisation]:
    """Organisations offered as organiser, participant or action owner: active ones of the
    programme's province, Kemensos, and those already chosen (even if deactivated since)."""
    province = (programme.region_id or "")[:2]
    offered = Q(is_active=True) & (within_q("region__code", province) | Q(kind=OrgKind.KEMENSOS))
    keep_ids = [pk for pk in keep if pk]
    if keep_ids:
        offered |= Q(pk__in=keep_ids)
    return Organisation.objects.filter(offered).order_by("name", "pk")


# --- Follow-up actions ------------------------------------------------------------------------


def with_overdue(qs: QuerySet[FollowUpAction], *, today: dt.date) -> QuerySet[FollowUpAction]:
    """Annotate ``is_overdue``: still open after its due date."""
    return qs.annotate(
        is_overdue=Case(
            When(status=ActionStatus.OPEN, due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def action_list(
    user,
    *,
    today: dt.date,
    mine: bool = False,
    status: str = "open",
    overdue: bool = False,
    programme=None,
) -> QuerySet[FollowUpAction]:
    """Actions the user may see; overdue ones first, then by due date.
    ``status``: open / done / cancelled / all."""
    qs = policy.scope_actions(user, FollowUpAction.objects.all()).select_related(
        "programme", "activity", "owner_organisation"
    )
    if mine:
        qs = qs.filter(owner_organisation=user.organisation_id)
    if status in ActionStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=ActionStatus.OPEN, due_on__lt=today)
    if programme is not None:
        qs = qs.filter(programme=programme)
    return with_overdue(qs, today=today).order_by("-is_overdue", "due_on", "id")


def overdue_actions_for_organisation(user, *, today: dt.date | None = None) -> QuerySet[FollowUpAction]:
    """Open actions of the user's organisation past their due date, oldest first (home page)."""
    today = today or timezone.localdate()
    qs = policy.scope_actions(user, FollowUpAction.objects.all())
    return (
        qs.filter(owner_organisation=user.organisation_id, status=ActionStatus.OPEN, due_on__lt=today)
        .select_related("programme", "activity", "owner_organisation")
        .order_by("due_on", "id")
    )


def actions_due_soon(
    user, days: int = 14, *, mine: bool = True, today: dt.date | None = None
) -> QuerySet[FollowUpAction]:
    """Open actions due from today to ``days`` days ahead (home page). ``mine``: only those of
    the user's organisation; otherwise every action in the user's scope."""
    today = today or timezone.localdate()
    qs = policy.scope_actions(user, FollowUpAction.objects.all()).filter(
        status=ActionStatus.OPEN, due_on__gte=today, due_on__lte=today + dt.timedelta(days=days)
    )
    if mine:
        qs = qs.filter(owner_organisation=user.organisation_id)
    return qs.select_related("programme", "activity", "owner_organisation").order_by("due_on", "id")


# --- Calendar ---------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def calendar_month(user, year: int, month: int, *, programme=None) -> dict:
    """The activities of one month in the user's scope, by local day, and the month's weeks
    (Monday first) for the grid."""
    first, following = month_bounds(year, month)
    qs = activities_in_scope(user).filter(starts_at__gte=start_of_day(first), starts_at__lt=start_of_day(following))
    if programme is not None:
        qs = qs.filter(programme=programme)
    by_day: dict[dt.date, list[Activity]] = defaultdict(list)
    for activity in qs.select_related("programme").order_by("starts_at", "id"):
        by_day[timezone.localtime(activity.starts_at).date()].append(activity)
    weeks = [
        [{"date": day, "in_month": day.month == month, "count": len(by_day.get(day, ()))} for day in week]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    ]
    return {
        "first": first,
        "previous": (first - dt.timedelta(days=1)).replace(day=1),
        "next": following,
        "days": sorted(by_day.items()),
        "weeks": weeks,
        "total": sum(len(items) for items in by_day.values()),
    }


def feed_activities(user, *, limit: int = 2000) -> list[Activity]:
    """What a calendar feed shows: the newest activities in the owner's current scope."""
    qs = activities_in_scope(user).select_related("programme").order_by("-starts_at", "-id")[:limit]
    return list(qs)
