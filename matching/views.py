"""The review queue: pairs the engine found, the reason for each score, the reviewer's decision.

Views stay thin: fetch through ``access.policy`` (``selectors.scope_candidates``: both records
must be in the user's scope, else 404), write through ``matching.services``. Identities appear
only after an explicit, audited reveal (``people.identity.reveal``) by a role allowed to see them;
everyone else works with case codes and the per-field agreement.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from people.identity import reveal
from people.selectors import person_for_user
from pulih.forms import add_service_errors

from . import selectors, services
from .forms import DecisionForm, QueueFilterForm
from .models import CandidateStatus, MatchCandidate

FIELD_LABELS = {
    "name": _("Nama dan alias"),
    "dob": _("Tanggal lahir"),
    "nik": _("NIK"),
    "region": _("Daerah asal"),
    "phone": _("Nomor HP"),
}


def _no_store(response):
    # A page that showed identities must not stay in a shared browser's cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


def _get_candidate(request, pk: int) -> MatchCandidate:
    return policy.get_for_user(
        request.user,
        MatchCandidate.objects.select_related(
            "person_a__registered_site__owner_organisation",
            "person_b__registered_site__owner_organisation",
            "person_a__origin_regency",
            "person_b__origin_regency",
            "decided_by",
        ),
        selectors.scope_candidates,
        pk=pk,
    )


@require(Perm.PEOPLE_VIEW)
@require_safe
def queue(request):
    filters = QueueFilterForm(request.GET)
    wanted = filters.filters()
    qs = selectors.queue(request.user, **wanted)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "counts": selectors.status_counts(request.user),
        "runs": selectors.last_runs(request.user),
        "can_run": policy.has_perm(request.user, Perm.PEOPLE_REGISTER),
        "sync_limit": services.SYNC_LIMIT,
    }
    return render(request, "matching/queue.html", context)


@require(Perm.PEOPLE_REGISTER)
@require_POST
def run(request):
    match_run = services.run_for_user(request.user, request=request)
    if match_run is None:
        messages.warning(
            request,
            _(
                "Data di wilayah Anda lebih dari %(n)s orang: pencocokan dijalankan tiap malam oleh "
                "perintah match_people. Hasilnya muncul di antrean ini besok pagi."
            )
            % {"n": services.SYNC_LIMIT},
        )
    else:
        messages.success(
            request,
            _(
                "Pencocokan selesai: %(records)s data dibandingkan dalam %(pairs)s pasangan; "
                "%(proposed)s diusulkan sama, %(review)s perlu diperiksa."
            )
            % {
                "records": match_run.records,
                "pairs": match_run.pairs_compared,
                "proposed": match_run.proposed,
                "review": match_run.needs_review,
            },
        )
    return redirect("matching:queue")


def _rows(candidate: MatchCandidate) -> list[dict]:
    fields = (candidate.explanation or {}).get("fields", {})
    rows = []
    for key, value in fields.items():
        label = FIELD_LABELS.get(key) or key.removeprefix("extra:")
        rows.append({"field": label, "label": value.get("label", ""), "weight": value.get("weight", 0.0)})
    return rows


def _render_pair(request, candidate: MatchCandidate, *, form=None, identities=None, status=200):
    user = request.user
    both_visible = policy.can_view_identity(user, candidate.person_a) and policy.can_view_identity(
        user, candidate.person_b
    )
    context = {
        "candidate": candidate,
        "rows": _rows(candidate),
        "found_by": (candidate.explanation or {}).get("found_by", []),
        "total_weight": (candidate.explanation or {}).get("weight"),
        "can_decide": selectors.can_decide(user, candidate),
        "can_reveal": both_visible,
        "identities": identities,
        "form": form or DecisionForm(),
        "sides": [
            {
                "person": person,
                "identity": identities[k] if identities else None,
                "group": selectors.group_members(person),
            }
            for k, person in enumerate((candidate.person_a, candidate.person_b))
        ],
    }
    response = render(request, "matching/pair.html", context, status=status)
    return _no_store(response) if identities else response


@require(Perm.PEOPLE_VIEW)
@require_http_methods(["GET", "POST"])
def pair(request, pk: int):
    """GET: the pair by case code, with the reason for its score. POST: both identities side by
    side, for a role allowed to see them; each reveal is audited."""
    candidate = _get_candidate(request, pk)
    if request.method == "POST":
        identities = [
            reveal(candidate.person_a, user=request.user, request=request, purpose="view"),
            reveal(candidate.person_b, user=request.user, request=request, purpose="view"),
        ]
        return _render_pair(request, candidate, identities=identities)
    return _render_pair(request, candidate)


@require(Perm.PEOPLE_REGISTER)
@require_POST
def decide(request, pk: int):
    candidate = _get_candidate(request, pk)
    if not selectors.can_decide(request.user, candidate):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide(candidate, form.cleaned_data["decision"], actor=request.user, request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if form.cleaned_data["decision"] == CandidateStatus.SAME:
                text = _("Dicatat sebagai orang yang sama: kedua data kini satu kelompok.")
            else:
                text = _("Dicatat sebagai bukan orang yang sama; pasangan ini tidak diusulkan lagi.")
            # Back to the queue for the next pair, with a way back should the click be a mistake.
            undo_link = format_html(
                '<a href="{}">{}</a>', reverse("matching:pair", args=[candidate.pk]), _("Keliru? Batalkan")
            )
            messages.success(request, format_html("{} {}", text, undo_link))
            return redirect("matching:queue")
    return _render_pair(request, candidate, form=form, status=200)


@require(Perm.PEOPLE_REGISTER)
@require_POST
def undo(request, pk: int):
    candidate = _get_candidate(request, pk)
    if not selectors.can_decide(request.user, candidate):
        raise PermissionDenied
    try:
        services.undo(candidate, actor=request.user, request=request)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return redirect("matching:pair", pk=candidate.pk)
    messages.success(request, _("Keputusan dibatalkan; pasangan kembali ke antrean."))
    return redirect("matching:pair", pk=candidate.pk)


@require(Perm.PEOPLE_VIEW)
@require_http_methods(["GET", "POST"])
def known_elsewhere(request, case_code: str):
    """A Dinsos asks whether a person in its scope is recorded anywhere else. The answer names
    the organisations holding such records, never their contents."""
    person = person_for_user(request.user, case_code)
    answer = None
    if request.method == "POST":
        answer = services.known_elsewhere(person, user=request.user, request=request)
    return render(request, "matching/known_elsewhere.html", {"person": person, "answer": answer})
