"""Data subject requests (UU PDP): the list with overdue ones first, recording a request, the
request page, the export of everything held on a person, deletion where the law allows, and
the answer. Only for those who answer such requests (head of Dinsos) in their region.

Views stay thin: rules in ``people.subject_requests``, the file in ``people.subject_export``,
the anonymisation in ``people.retention``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from pulih.forms import add_service_errors

from . import selectors
from . import subject_export as export
from . import subject_requests as rules
from .models import Person, SubjectRequest, SubjectRequestKind, SubjectRequestStatus
from .subject_forms import AnswerForm, RequestFilterForm, SubjectRequestForm


def _get_person(request, case_code: str) -> Person:
    """A person in scope (else 404) whose requests the user answers (else 403)."""
    person = selectors.person_for_user(request.user, case_code)
    if not policy.can_answer_subject_requests(request.user, person):
        raise PermissionDenied
    return person


def _get_request(request, pk: int) -> SubjectRequest:
    return policy.get_for_user(
        request.user,
        SubjectRequest.objects.select_related("person", "person__registered_site", "handled_by", "created_by"),
        rules.scope_subject_requests,
        pk=pk,
    )


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_safe
def subject_requests(request):
    now = timezone.now()
    filters = RequestFilterForm(request.GET)
    qs = rules.request_list(request.user, now=now, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "filters": filters, "overdue_total": rules.overdue_count(request.user, now)}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "people/subject_rows.html" if partial else "people/subject_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_http_methods(["GET", "POST"])
def subject_request_new(request, case_code: str):
    person = _get_person(request, case_code)
    form = SubjectRequestForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject_request = rules.request_create(
                actor=request.user,
                person=person,
                kind=data["kind"],
                channel=data["channel"],
                received_at=data["received_at"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Permintaan dicatat. Batas jawaban: %(due)s.")
                % {"due": timezone.localtime(subject_request.due_at).strftime("%d/%m/%Y %H:%M")},
            )
            return redirect("people:subject_request", pk=subject_request.pk)
    return render(request, "people/subject_form.html", {"form": form, "person": person})


def _render_detail(request, subject_request: SubjectRequest, *, answer_form=None, status=200):
    person = subject_request.person
    is_open = subject_request.status == SubjectRequestStatus.OPEN
    holds = []
    if is_open and subject_request.kind == SubjectRequestKind.DELETION and person.anonymised_at is None:
        holds = rules.legal_holds(person)
    if answer_form is None:
        initial = {"status": SubjectRequestStatus.ANSWERED}
        if holds:
            # Deletion refused while a hold applies: the answer states why.
            initial = {"status": SubjectRequestStatus.REFUSED, "note": " ".join(hold.reason for hold in holds)}
        answer_form = AnswerForm(initial=initial)
    now = timezone.now()
    context = {
        "subject_request": subject_request,
        "person": person,
        "is_open": is_open,
        "is_overdue": rules.is_overdue(subject_request, now),
        "holds": holds,
        "answer_form": answer_form,
        "can_correct": policy.has_perm(request.user, Perm.PEOPLE_REGISTER)
        and policy.can_view_identity(request.user, person),
    }
    return render(request, "people/subject_detail.html", context, status=status)


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_safe
def subject_request(request, pk: int):
    return _render_detail(request, _get_request(request, pk))


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_POST
def subject_request_answer(request, pk: int):
    subject_request = _get_request(request, pk)
    if subject_request.status != SubjectRequestStatus.OPEN:
        # Answered already (e.g. in another tab): the first answer stands.
        messages.info(request, _("Permintaan ini sudah dijawab."))
        return redirect("people:subject_request", pk=subject_request.pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            rules.request_answer(
                actor=request.user,
                subject_request=subject_request,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Jawaban dicatat."))
            return redirect("people:subject_request", pk=subject_request.pk)
    return _render_detail(request, subject_request, answer_form=form)


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_POST  # each export reveals the identity and writes audit events
def subject_export(request, case_code: str):
    person = _get_person(request, case_code)
    subject_request = None
    pk = request.POST.get("request", "")
    if pk:
        if not pk.isdigit():
            raise Http404
        subject_request = _get_request(request, int(pk))
        if subject_request.person_id != person.pk:
            raise Http404
    content = export.export_person(person, user=request.user, request=request, subject_request=subject_request)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(person, now=timezone.now())}"'
    # A file with identity must not linger in a shared cache or the browser's.
    patch_cache_control(response, no_store=True, private=True)
    return response


@require(Perm.DATA_SUBJECT_REQUESTS)
@require_POST
def subject_delete(request, case_code: str, pk: int):
    person = _get_person(request, case_code)
    subject_request = _get_request(request, pk)
    if subject_request.person_id != person.pk:
        raise Http404
    try:
        result = rules.delete_for_request(actor=request.user, subject_request=subject_request, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.holds:
            reasons = " ".join(hold.reason for hold in result.holds)
            messages.error(request, _("Data belum dapat dihapus: %(reasons)s") % {"reasons": reasons})
        elif result.deleted:
            text = _("Identitas %(code)s dihapus (anonimisasi); data statistik tetap tersimpan.") % {
                "code": person.case_code
            }
            if result.closed_cases:
                text += " " + _("Kasus ditutup: %(numbers)s.") % {"numbers": ", ".join(result.closed_cases)}
            messages.success(request, text)
        else:
            messages.info(request, _("Identitas sudah dihapus sebelumnya; permintaan ditandai sudah dijawab."))
    return redirect("people:subject_request", pk=subject_request.pk)
