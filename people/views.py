"""The people registry: search, person page, audited identity reveal, registration, edits,
consent history and the supervisor's safeguarding alerts.

Views stay thin: fetch through ``access.policy``, read through ``people.selectors``, write
through ``people.services``. Identity is read only through ``people.identity.reveal``; names
and NIKs travel in POST bodies, never in URLs, messages or the audit log.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access import policy
from access.policy import Perm, require
from audit.models import Action
from audit.services import audit_record
from cases.selectors import open_case_for
from census.models import CensusRound, RoundStatus
from census.services import round_add_people
from regions.models import Region

from . import selectors, services
from .forms import (
    AlertFilterForm,
    AttributesForm,
    ConsentForm,
    IdentityForm,
    PersonSearchForm,
    RegistrationForm,
    WithdrawForm,
)
from .identity import Identity, reveal
from .models import OriginClass, Person, SafeguardingAlert, Sex
from .nik import check_nik
from .origin import origin_class
from .safeguards import TRAFFICKING_INDICATORS, age_on

INDICATOR_LABELS = dict(TRAFFICKING_INDICATORS)
# Dates ("05/03/1995") and long digit runs (NIK, KK, phone) in a warning text.
_IDENTIFYING_TEXT = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{6,}")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _safe_warnings(warnings: list[str], identity: Identity) -> list[str]:
    """Warnings fit for a flash message (kept in a cookie or the session): a warning that quotes
    any part of the identity is replaced by a plain one that does not."""
    values = [identity.full_name, identity.nik, identity.kk_number, identity.phone, *identity.aliases]
    # Whole words: a nickname such as "Sam" is not quoted by "sama" in "orang yang sama".
    quoted = [re.compile(rf"(?<!\w){re.escape(v)}(?!\w)", re.IGNORECASE) for v in values if v and len(v) >= 3]
    safe = []
    for text in warnings:
        if _IDENTIFYING_TEXT.search(text) or any(pattern.search(text) for pattern in quoted):
            text = _("Data di NIK tidak cocok dengan data lain yang dicatat. Periksa kembali di halaman identitas.")
        if text not in safe:
            safe.append(text)
    return safe


def _warn_duplicates(request, person: Person) -> None:
    """Case codes of possible duplicates in the user's scope (never names)."""
    duplicates = selectors.possible_duplicates(request.user, person)
    if "nik" in duplicates:
        messages.warning(
            request,
            _("NIK yang sama sudah tercatat pada %(codes)s. Periksa apakah ini orang yang sama.")
            % {"codes": ", ".join(duplicates["nik"])},
        )
    if "name_dob" in duplicates:
        messages.warning(
            request,
            _("Nama dan tanggal lahir yang sama sudah tercatat pada %(codes)s. Periksa apakah ini orang yang sama.")
            % {"codes": ", ".join(duplicates["name_dob"])},
        )


def _get_person(request, case_code: str) -> Person:
    return selectors.person_for_user(request.user, case_code)


def _get_person_to_change(request, case_code: str) -> Person:
    """A person the user may change: in scope (else 404) and with PEOPLE_REGISTER in the region (else 403)."""
    person = _get_person(request, case_code)
    if not policy.has_perm(request.user, Perm.PEOPLE_REGISTER) or not policy.in_region_scope(
        request.user, person.scope_region_code
    ):
        raise PermissionDenied
    return person


def _no_store(response):
    # Pages with identity (or a typed name) must not stay in a shared browser's cache.
    patch_cache_control(response, no_store=True, private=True)
    return response


# --- Search ------------------------------------------------------------------------------------


@require(Perm.PEOPLE_VIEW)
@require_http_methods(["GET", "POST"])
def person_list(request):
    """One search box (case code, NIK or name) and filters. A NIK or a name is only accepted by
    POST, so it never reaches a URL, the server's access log or the browser history."""
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    form = PersonSearchForm(data, user=request.user)
    filters = form.filters()
    kind = selectors.query_kind(filters["q"])
    notice = ""
    identity_search = selectors.is_identity_query(kind)
    if identity_search and not posted:
        filters["q"], identity_search = "", False
        notice = _("Nama dan NIK dicari lewat kotak pencarian, tidak lewat alamat halaman.")
    elif identity_search and not selectors.may_search_identity(request.user):
        notice = _("Peran Anda hanya dapat mencari dengan kode kasus. Nama dan NIK tidak dicari.")
    elif kind == selectors.QueryKind.NAME and not selectors.name_query_hashes(filters["q"]):
        notice = _("Ketik sedikitnya satu kata nama dengan dua huruf atau lebih.")

    qs = selectors.person_search(request.user, **filters)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(data.get("page"))
    today = timezone.localdate()
    for person in page:
        person.age_band = selectors.age_band(person.birth_year, today=today)
    if identity_search and selectors.may_search_identity(request.user):
        # A lookup by identity is itself an identity view: logged, without what was typed.
        audit_record(
            Action.VIEW_IDENTITY,
            request=request,
            actor=request.user,
            object_type="people.search",
            detail={"kind": kind, "results": page.paginator.count},
        )
    context = {
        "page_obj": page,
        "form": form,
        "posted": posted,
        "notice": notice,
        "searching": bool(filters["q"]),
        "can_register": policy.has_perm(request.user, Perm.PEOPLE_REGISTER),
        "show_safeguarding": policy.can_view_safeguarding(request.user),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "people/_rows.html" if partial else "people/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return _no_store(response) if posted else response


# --- One person ----------------------------------------------------------------------------------


def _detail_context(request, person: Person, **extra) -> dict:
    site = person.registered_site
    origin = origin_class(
        origin_regency=person.origin_regency_id, origin_province=person.origin_province_id, site_region=site.region_id
    )
    user = request.user
    can_change = policy.has_perm(user, Perm.PEOPLE_REGISTER) and policy.in_region_scope(user, person.scope_region_code)
    safeguarding = policy.can_view_safeguarding(user)
    return {
        "person": person,
        "origin_class": origin,
        "origin_class_label": OriginClass(origin).label,
        "age_band": selectors.age_band(person.birth_year),
        "show_safeguarding": safeguarding,
        "indicators": [INDICATOR_LABELS.get(code, code) for code in person.trafficking_indicators]
        if safeguarding
        else [],
        "entries": selectors.person_census_entries(user, person),
        "consents": person.consents.select_related("recorded_by"),
        "open_alerts": selectors.person_open_alerts(person) if safeguarding else [],
        "can_view_identity": policy.can_view_identity(user, person),
        "can_change": can_change,
        "can_edit_identity": can_change and policy.can_view_identity(user, person),
        "can_acknowledge": policy.has_perm(user, Perm.ALERTS_VIEW)
        and policy.in_region_scope(user, person.scope_region_code),
        "withdraw_form": WithdrawForm(),
        "open_case": open_case_for(person, user=user) if policy.has_perm(user, Perm.CASES_VIEW) else None,
        "can_open_case": policy.can_open_case_for(user, person),
        **extra,
    }


@require(Perm.PEOPLE_VIEW)
@require_safe
def person_detail(request, case_code: str):
    person = _get_person(request, case_code)
    return render(request, "people/detail.html", _detail_context(request, person))


def _identity_context(identity: Identity) -> dict:
    today = timezone.localdate()
    return {
        "identity": identity,
        "age": age_on(identity.birth_date, today) if identity.birth_date else None,
    }


@require(Perm.PEOPLE_VIEW)
@require_POST
@never_cache
def person_reveal(request, case_code: str):
    """Show the identity after an explicit click: ``reveal`` checks the policy and audits."""
    person = _get_person(request, case_code)
    identity = reveal(person, user=request.user, request=request, purpose="view")
    if request.htmx:
        context = {"person": person, **_identity_context(identity)}
        return _no_store(render(request, "people/_identity.html", context))
    context = _detail_context(request, person, **_identity_context(identity))
    return _no_store(render(request, "people/detail.html", context))


# --- Registering ---------------------------------------------------------------------------------


def _round_from_query(request) -> tuple[CensusRound | None, str]:
    """The census round of ``?round=<pk>`` when the person may be counted in it, else a notice."""
    pk = request.GET.get("round")
    if not pk or not pk.isdigit():
        return None, ""
    census_round = policy.get_for_user(
        request.user, CensusRound.objects.select_related("site"), policy.scope_census_rounds, pk=int(pk)
    )
    if census_round.status != RoundStatus.OPEN:
        return None, _("Putaran pendataan ini sudah selesai; penerima didaftarkan tanpa dicatat hadir di putaran itu.")
    if not policy.can_manage_census(request.user, census_round.site):
        return None, _("Anda tidak dapat mencatat kehadiran di putaran pendataan; penerima didaftarkan tanpa putaran.")
    return census_round, ""


@require(Perm.PEOPLE_REGISTER)
@require_http_methods(["GET", "POST"])
@never_cache
def person_register(request):
    census_round, round_notice = _round_from_query(request)
    form = RegistrationForm(request.POST or None, actor=request.user, census_round=census_round)
    if request.method == "POST" and form.is_valid():
        identity = form.identity()
        try:
            with transaction.atomic():
                person, warnings = services.person_register(
                    actor=request.user,
                    site=form.cleaned_data["site"],
                    identity=identity,
                    attrs=form.attributes(),
                    request=request,
                    consent_on=form.cleaned_data.get("consent_on"),
                )
                if census_round is not None:
                    round_add_people(actor=request.user, census_round=census_round, people=[person], request=request)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Penerima terdaftar dengan kode kasus %(code)s.") % {"code": person.case_code})
            if census_round is not None:
                messages.success(request, _("Dicatat hadir di %(round)s.") % {"round": census_round.name})
            if person.is_child:
                messages.warning(
                    request, _("Penerima berusia di bawah 18 tahun: peringatan perlindungan anak dikirim ke penyelia.")
                )
            if person.trafficking_flag:
                messages.warning(request, _("Ada indikator TPPO: peringatan dikirim ke penyelia."))
            for warning in _safe_warnings(warnings, identity):
                messages.warning(request, warning)
            _warn_duplicates(request, person)
            return redirect("people:detail", case_code=person.case_code)
    context = {
        "form": form,
        "census_round": census_round,
        "round_notice": round_notice,
        "sections": [(title, [form[name] for name in names]) for title, names in form.SECTIONS],
    }
    response = render(request, "people/register.html", context)
    return _no_store(response) if request.method == "POST" else response


@require(Perm.PEOPLE_REGISTER)
@require_POST
def nik_check(request):
    """Explain a typed NIK in plain words and offer what it encodes (birth date, sex, region of
    registration). With ``apply=1`` the offer is applied: the fields are swapped in out of band."""
    nik = request.POST.get("nik", "")
    stated_sex = request.POST.get("sex") or None
    stated_origin = request.POST.get("origin") or ""
    try:
        stated_birth_date = parse_date(request.POST.get("birth_date") or "")
    except ValueError:
        stated_birth_date = None
    result = check_nik(
        nik,
        stated_birth_date=stated_birth_date,
        stated_sex=stated_sex if stated_sex in Sex.values else None,
        # A province alone (when only that is known) says nothing against the NIK's regency.
        stated_regency_code=stated_origin if len(stated_origin) == 5 else None,
    )
    region = None
    if result.valid and result.regency_code:
        region = Region.objects.filter(code=result.regency_code).first()
    context = {"check": result, "region": region, "applied": False}
    if result.valid and request.POST.get("apply") == "1":
        initial = {"birth_date": result.birth_date, "sex": result.sex, "origin": region.code if region else None}
        context["applied"] = True
        context["fill_form"] = RegistrationForm(initial=initial, actor=request.user)
        context["fill_origin"] = region is not None
    return _no_store(render(request, "people/_nik_check.html", context))


# --- Changing a record ---------------------------------------------------------------------------


@require(Perm.PEOPLE_REGISTER)
@require_http_methods(["GET", "POST"])
@never_cache
def person_edit_identity(request, case_code: str):
    person = _get_person_to_change(request, case_code)
    if not policy.can_view_identity(request.user, person):
        raise PermissionDenied
    if person.anonymised_at:
        # Retention ended: the identity is gone and must not be written again.
        messages.error(request, _("Identitas penerima ini sudah dihapus dan tidak dapat diisi kembali."))
        return redirect("people:detail", case_code=person.case_code)
    if request.method == "POST":
        form = IdentityForm(request.POST)
        if form.is_valid():
            identity = form.identity()
            try:
                warnings = services.person_update_identity(
                    actor=request.user, person=person, identity=identity, request=request
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Identitas diperbarui."))
                if person.is_child:
                    messages.warning(request, _("Penerima berusia di bawah 18 tahun: peringatan perlindungan anak."))
                for warning in _safe_warnings(warnings, identity):
                    messages.warning(request, warning)
                _warn_duplicates(request, person)
                return redirect("people:detail", case_code=person.case_code)
    else:
        # Pre-filling the form shows the identity: the same audited path as the reveal button.
        identity = reveal(person, user=request.user, request=request, purpose="view")
        form = IdentityForm(initial=IdentityForm.initial_from(identity))
    return _no_store(render(request, "people/identity_form.html", {"form": form, "person": person}))


@require(Perm.PEOPLE_REGISTER)
@require_http_methods(["GET", "POST"])
def person_edit_attributes(request, case_code: str):
    person = _get_person_to_change(request, case_code)
    form = AttributesForm(request.POST or None, initial=AttributesForm.initial_from(person))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.person_update_attributes(
                actor=request.user, person=person, request=request, **form.attribute_values()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if changed:
                messages.success(request, _("Perubahan disimpan."))
            else:
                messages.info(request, _("Tidak ada yang berubah."))
            if "trafficking_indicators" in changed and person.trafficking_flag:
                messages.warning(request, _("Ada indikator TPPO: peringatan dikirim ke penyelia."))
            return redirect("people:detail", case_code=person.case_code)
    return render(request, "people/attributes_form.html", {"form": form, "person": person})


# --- Consent -------------------------------------------------------------------------------------


@require(Perm.PEOPLE_REGISTER)
@require_http_methods(["GET", "POST"])
def consent_add(request, case_code: str):
    person = _get_person_to_change(request, case_code)
    initial = {"by_guardian": person.is_child}
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                actor=request.user,
                person=person,
                kind=data["kind"],
                given=data["given"],
                on=data["recorded_on"],
                legal_basis=data["legal_basis"],
                by_guardian=data["by_guardian"],
                note=data["note"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Persetujuan dicatat."))
            return redirect("people:detail", case_code=person.case_code)
    return render(request, "people/consent_form.html", {"form": form, "person": person})


@require(Perm.PEOPLE_REGISTER)
@require_POST
def consent_withdraw(request, case_code: str):
    person = _get_person_to_change(request, case_code)
    form = WithdrawForm(request.POST)
    if person.share_consent is not True:
        messages.info(request, _("Tidak ada persetujuan berbagi data yang sedang berlaku."))
    elif not form.is_valid():
        messages.error(request, _("Tanggal penarikan tidak dapat dibaca."))
    else:
        try:
            services.consent_withdraw(
                actor=request.user,
                person=person,
                on=form.cleaned_data["withdrawn_on"] or timezone.localdate(),
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Persetujuan berbagi data ditarik. Riwayat sebelumnya tetap tersimpan."))
    return redirect("people:detail", case_code=person.case_code)


# --- Safeguarding alerts -------------------------------------------------------------------------


@require(Perm.ALERTS_VIEW)
@require_safe
def alert_list(request):
    filters = AlertFilterForm(request.GET)
    qs = selectors.alert_list(request.user, **filters.filters())
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "filters": filters}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "people/_alert_rows.html" if partial else "people/alert_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require(Perm.ALERTS_VIEW)
@require_POST
def alert_acknowledge(request, pk: int):
    alert = policy.get_for_user(
        request.user, SafeguardingAlert.objects.select_related("person"), policy.scope_alerts, pk=pk
    )
    if alert.acknowledged_at is not None:
        messages.info(request, _("Peringatan ini sudah ditindaklanjuti."))
    else:
        services.alert_acknowledge(actor=request.user, alert=alert, request=request)
        messages.success(
            request, _("Peringatan untuk %(code)s ditandai sudah ditindaklanjuti.") % {"code": alert.person.case_code}
        )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("people:alert_list")
