"""Reading courses and enrolments: the list with its counts, a course's participants, the cases
that may be enrolled — each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from access import policy
from access.policy import Perm
from cases.models import Case, CaseStatus, Service, ServiceKind, ServiceStatus
from organisations.models import Organisation

from . import rules
from .models import ACTIVE_STATUSES, Course, Enrolment, EnrolmentStatus


def with_counts(qs: QuerySet[Course]) -> QuerySet[Course]:
    """``enrolled_count``, ``waiting_count``, ``completed_count`` and ``places_taken`` per course."""
    return qs.annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
        completed_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED)),
        places_taken=Count("enrolments", filter=Q(enrolments__status__in=rules.PLACE_STATUSES)),
    )


def course_list(
    user,
    *,
    q: str = "",
    skill: str = "",
    provider: Organisation | None = None,
    period: str = "",
    today: dt.date,
) -> QuerySet[Course]:
    qs = policy.scope_courses(user, Course.objects.select_related("provider"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(place__icontains=q))
    if skill:
        qs = qs.filter(skill=skill)
    if provider is not None:
        qs = qs.filter(provider=provider)
    if period == rules.Period.UPCOMING:
        qs = qs.filter(starts_on__gt=today)
    elif period == rules.Period.RUNNING:
        qs = qs.filter(starts_on__lte=today, ends_on__gte=today)
    elif period == rules.Period.FINISHED:
        qs = qs.filter(ends_on__lt=today)
    return with_counts(qs).order_by("-starts_on", "name", "pk")


def providers_with_courses(user) -> QuerySet[Organisation]:
    """Organisations that run at least one course the user can see (the list's filter)."""
    courses = policy.scope_courses(user, Course.objects.all())
    return Organisation.objects.filter(pk__in=courses.values("provider")).order_by("name", "pk")


def provider_choices(user) -> QuerySet[Organisation]:
    """Organisations the user may make a course provider: active, in the user's region scope, or
    the user's own organisation (``policy.can_manage_course`` decides on the same two grounds)."""
    return (
        Organisation.objects.filter(
            Q(is_active=True) & (policy.region_scope_q(user, "region__code") | Q(pk=user.organisation_id))
        )
        .select_related("region")
        .order_by("name", "pk")
    )


def course_for_user(user, pk: int) -> Course:
    return policy.get_for_user(
        user, with_counts(Course.objects.select_related("provider", "provider__region")), policy.scope_courses, pk=pk
    )


def scope_enrolments(user, qs: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return policy.scope_enrolments(user, qs)


def enrolment_for_user(user, pk: int) -> Enrolment:
    return policy.get_for_user(
        user,
        Enrolment.objects.select_related("course", "course__provider", "case", "case__person", "service"),
        scope_enrolments,
        pk=pk,
    )


# --- A course's participants ---------------------------------------------------------------------


def sees_all_participants(user, course: Course) -> bool:
    """Who manages the course, and the provider's own staff (they run the classes), see every
    participant — by case code. Others see those whose case lies in their own scope."""
    return policy.can_manage_course(user, course) or user.organisation_id == course.provider_id


def can_open_case(user, case: Case) -> bool:
    """The same rule as ``policy.scope_cases``, without a query (case codes link to the case file)."""
    return policy.has_perm(user, Perm.CASES_VIEW) and policy.in_region_scope(user, case.scope_region_code)


@dataclass
class Participants:
    places: list[Enrolment] = field(default_factory=list)  # enrolled and completed
    waiting: list[Enrolment] = field(default_factory=list)
    left: list[Enrolment] = field(default_factory=list)  # dropped and withdrawn
    hidden: int = 0  # rows of cases outside the user's scope


def participants(user, course: Course) -> Participants:
    """The course's enrolments in one query, split into places, waiting list and those who left.
    Each row gets ``can_open_case`` (link to the case file) and ``can_withdraw``."""
    all_rows = sees_all_participants(user, course)
    can_manage = policy.can_manage_course(user, course)
    can_enrol = policy.has_perm(user, Perm.TRAINING_MANAGE)
    rows = (
        Enrolment.objects.filter(course=course)
        .select_related("case", "case__person")
        .order_by("waiting_position", "case__person__case_code", "pk")
    )
    result = Participants()
    for enrolment in rows:
        enrolment.course = course  # the template and the policy checks need no further query
        in_scope = policy.in_region_scope(user, enrolment.case.scope_region_code)
        if not (all_rows or (in_scope and policy.has_perm(user, Perm.CASES_VIEW))):
            result.hidden += 1
            continue
        enrolment.can_open_case = can_open_case(user, enrolment.case)
        enrolment.can_withdraw = can_manage or (can_enrol and in_scope)
        if enrolment.status in rules.PLACE_STATUSES:
            result.places.append(enrolment)
        elif enrolment.status == EnrolmentStatus.WAITING:
            result.waiting.append(enrolment)
        else:
            result.left.append(enrolment)
    return result


# --- Cases that may be enrolled ----------------------------------------------------------------------


def enrol_candidates(user, course: Course) -> QuerySet[Case]:
    """Open cases in the user's scope whose plan has a training service still to do, or whose
    pathway leads to training (local empowerment, rehabilitation centre), not yet in this course."""
    planned = Service.objects.filter(case=OuterRef("pk"), kind=ServiceKind.TRAINING, status=ServiceStatus.PLANNED)
    here = Enrolment.objects.filter(course=course, case=OuterRef("pk"), status__in=ACTIVE_STATUSES)
    return (
        policy.scope_cases(user, Case.objects.filter(status=CaseStatus.OPEN))
        .annotate(has_planned_training=Exists(planned))
        .filter(Q(has_planned_training=True) | Q(pathway__in=rules.TRAINING_PATHWAYS))
        .exclude(Exists(here))
        .select_related("person")
        .order_by("number", "pk")
    )


def find_case(user, text: str) -> Case | None:
    """A case typed by its number (5371-KD-0001/1) or by the person's case code (5371-KD-0001:
    her open case, else her newest). Only inside the user's scope."""
    text = text.strip().upper()
    if not text:
        return None
    qs = policy.scope_cases(user, Case.objects.select_related("person"))
    case = qs.filter(number__iexact=text).first()
    if case is None:
        case = qs.filter(person__case_code__iexact=text).order_by("-status", "-opened_on", "-pk").first()
    return case
