"""Skills training: course list, course page with its participants (case codes only), create and
edit, enrolment from case plans with the waiting list, attendance grid, completion, drop-out and
withdrawal.

Views stay thin: fetch through ``access.policy``/``training.selectors``, call
``training.services``, render. No identity is shown anywhere here.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from access import policy
from access.policy import Perm, require
from cases.models import Case
from pulih.forms import add_service_errors

from . import rules, selectors, services
from .forms import AttendanceForm, CompleteForm, CourseFilterForm, CourseForm, EnrolForm, LeaveForm
from .models import Course, Enrolment, EnrolmentStatus

# --- Access ------------------------------------------------------------------------------------------


can_view_courses = policy.can_view_courses


def require_course_view(view):
    """Like ``policy.require(Perm.TRAINING_VIEW)`` (sign-in, second factor, then 403), but also
    lets a provider's partner users in; the scope function then shows them only their courses."""

    @policy.require_login
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_view_courses(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.required_perm = Perm.TRAINING_VIEW
    return wrapped


def _get_course(request, pk: int, *, manage: bool = False) -> Course:
    """One course through its scope: 404 outside it; 403 when ``manage`` and the user may not
    manage it."""
    course = selectors.course_for_user(request.user, pk)
    if manage and not policy.can_manage_course(request.user, course):
        raise PermissionDenied
    return course


def _get_enrolment(request, pk: int) -> Enrolment:
    return selectors.enrolment_for_user(request.user, pk)


def _detail_url(course_id: int, anchor: str = "") -> str:
    url = reverse("training:course_detail", kwargs={"pk": course_id})
    return f"{url}#{anchor}" if anchor else url


# --- Courses -------------------------------------------------------------------------------------------


@require_course_view
@require_safe
def course_list(request):
    filters = CourseFilterForm(request.GET, user=request.user)
    today = timezone.localdate()
    qs = selectors.course_list(request.user, today=today, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for course in page.object_list:
        course.period = rules.period_of(course.starts_on, course.ends_on, today)
    context = {
        "page_obj": page,
        "filters": filters,
        "can_create": policy.has_perm(request.user, Perm.TRAINING_MANAGE),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "training/_course_rows.html" if partial else "training/course_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_course_view
@require_safe
def course_detail(request, pk: int):
    course = _get_course(request, pk)
    user = request.user
    today = timezone.localdate()
    can_manage = policy.can_manage_course(user, course)
    context = {
        "course": course,
        "period": rules.period_of(course.starts_on, course.ends_on, today),
        "free_places": rules.free_places(places_taken=course.places_taken, capacity=course.capacity),
        "participants": selectors.participants(user, course),
        "can_manage": can_manage,
        "can_enrol": policy.has_perm(user, Perm.TRAINING_MANAGE),
        # A provider's partner staff: case codes only, identity only through a referral.
        "provider_view": not policy.has_perm(user, Perm.CASES_VIEW) and user.organisation_id == course.provider_id,
    }
    return render(request, "training/course_detail.html", context)


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_create(request):
    form = CourseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("provider", _("Anda tidak dapat mengelola pelatihan penyelenggara ini."))
        else:
            messages.success(request, _("Pelatihan %(name)s ditambahkan.") % {"name": course.name})
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/course_form.html", {"form": form, "creating": True})


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    course = _get_course(request, pk, manage=True)
    form = CourseForm(request.POST or None, instance=course, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("provider", _("Anda tidak dapat mengelola pelatihan penyelenggara ini."))
        else:
            messages.success(request, _("Perubahan disimpan."))
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/course_form.html", {"form": form, "creating": False, "course": course})


# --- Enrolment -------------------------------------------------------------------------------------------


def _case_to_enrol(request, form: EnrolForm) -> Case | None:
    """The picked case (outside the user's scope: 404, as for any URL guessed by id) or the typed one."""
    if form.cleaned_data.get("case"):
        return policy.get_for_user(
            request.user, Case.objects.select_related("person"), policy.scope_cases, pk=form.cleaned_data["case"]
        )
    case = selectors.find_case(request.user, form.cleaned_data["case_number"])
    if case is None:
        form.add_error("case_number", _("Tidak ada kasus dengan nomor ini di wilayah Anda."))
    return case


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def enrol(request, pk: int):
    course = _get_course(request, pk)
    candidates = list(selectors.enrol_candidates(request.user, course)[:500])
    form = EnrolForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        case = _case_to_enrol(request, form)
        if case is not None:
            if not policy.can_enrol_case(request.user, case):
                raise PermissionDenied
            try:
                enrolment = services.enrol(actor=request.user, course=course, case=case, request=request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if enrolment.status == EnrolmentStatus.ENROLLED:
                    text = _("Kasus %(code)s terdaftar sebagai peserta.")
                else:
                    text = _("Kuota penuh: kasus %(code)s masuk daftar tunggu, urutan %(n)d.")
                messages.success(request, text % {"code": case.number, "n": enrolment.waiting_position or 0})
                if "again" in request.POST:
                    return redirect("training:enrol", pk=course.pk)
                return redirect(_detail_url(course.pk, "peserta"))
    context = {
        "course": course,
        "form": form,
        "candidates": candidates,
        "finished": course.ends_on < timezone.localdate(),
        "free_places": rules.free_places(places_taken=course.places_taken, capacity=course.capacity),
    }
    return render(request, "training/enrol.html", context)


def _leave_view(request, pk: int, *, action: str):
    enrolment = _get_enrolment(request, pk)
    if action == "drop":
        allowed = policy.can_manage_course(request.user, enrolment.course)
    else:
        allowed = services.can_withdraw(request.user, enrolment)
    if not allowed:
        raise PermissionDenied
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = services.drop if action == "drop" else services.withdraw
        try:
            service(actor=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"], request=request)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Already changed (a second click): nothing to correct in the form.
                messages.error(request, " ".join(exc.messages))
                return redirect(_detail_url(enrolment.course_id, "peserta"))
            add_service_errors(form, exc)
        else:
            if action == "drop":
                messages.success(request, _("Peserta %(code)s dicatat berhenti.") % {"code": enrolment.case.number})
            else:
                messages.success(request, _("Pendaftaran kasus %(code)s dibatalkan.") % {"code": enrolment.case.number})
            return redirect(_detail_url(enrolment.course_id, "peserta"))
    return render(request, "training/leave.html", {"enrolment": enrolment, "form": form, "action": action})


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def drop(request, pk: int):
    return _leave_view(request, pk, action="drop")


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def withdraw(request, pk: int):
    return _leave_view(request, pk, action="withdraw")


# --- Attendance and completion ----------------------------------------------------------------------------


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def attendance(request, pk: int):
    course = _get_course(request, pk, manage=True)
    enrolled = list(
        Enrolment.objects.filter(course=course, status=EnrolmentStatus.ENROLLED)
        .select_related("case__person")
        .order_by("case__person__case_code", "pk")
    )
    form = AttendanceForm(
        request.POST or None, participants=enrolled, initial={"sessions_total": course.sessions_total}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance(
                actor=request.user,
                course=course,
                sessions_total=form.cleaned_data["sessions_total"],
                attended=form.attended(),
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kehadiran disimpan."))
            return redirect(_detail_url(course.pk, "peserta"))
    return render(request, "training/attendance.html", {"course": course, "form": form})


@require(Perm.TRAINING_MANAGE)
@require_http_methods(["GET", "POST"])
def complete(request, pk: int):
    enrolment = _get_enrolment(request, pk)
    course = enrolment.course
    if not policy.can_manage_course(request.user, course):
        raise PermissionDenied
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
        messages.error(request, _("Hanya peserta pelatihan yang dapat dinyatakan lulus."))
        return redirect(_detail_url(course.pk, "peserta"))
    today = timezone.localdate()
    initial = {
        "completed_on": enrolment.completed_on or min(course.ends_on, today),
        "certificate_number": enrolment.certificate_number,
        "toolkit_handed_on": enrolment.toolkit_handed_on,
    }
    form = CompleteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete(actor=request.user, enrolment=enrolment, request=request, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect(_detail_url(course.pk, "peserta"))
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kelulusan %(code)s dicatat.") % {"code": enrolment.case.number})
            return redirect(_detail_url(course.pk, "peserta"))
    return render(request, "training/complete.html", {"enrolment": enrolment, "course": course, "form": form})
