"""The one place that decides who may do what, and which rows they may see.

Every view, export and API endpoint goes through this module:

- ``has_perm(user, perm)``: may this role do this kind of thing at all?
- ``require(perm)``: view decorator — login, two-factor when the role needs it, and the permission.
- ``scope_*(user, queryset)``: only the rows inside the user's organisation/region scope.
- ``can_*(user, obj)``: object-level checks (is this object inside my scope?).
- ``get_*_for_user(user, pk, perm)``: fetch one object through its scope, 404 when outside.

Adding a feature means adding its permission to ``ROLE_PERMISSIONS`` and its scope
function here, and an entry per URL in ``tests/test_access_matrix.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect

from accounts.models import Role
from regions.models import within_q


class Perm(StrEnum):
    REGIONS_VIEW = "regions.view"
    ORGANISATIONS_VIEW = "organisations.view"
    ORGANISATIONS_MANAGE = "organisations.manage"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    # Seeing a person's name, NIK, phone, address… Every such view is audited.
    IDENTITY_VIEW = "identity.view"
    IDENTITY_EXPORT = "identity.export"
    # Person records by case code and non-identifying attributes.
    PEOPLE_VIEW = "people.view"
    PEOPLE_REGISTER = "people.register"
    # Child and trafficking alerts: the supervisor's list.
    ALERTS_VIEW = "alerts.view"
    SITES_VIEW = "sites.view"
    SITES_MANAGE = "sites.manage"
    CENSUS_VIEW = "census.view"
    CENSUS_MANAGE = "census.manage"
    # Closure programmes, their activities and follow-up actions: no person data in them.
    PROGRAMMES_VIEW = "programmes.view"
    PROGRAMMES_MANAGE = "programmes.manage"
    ACTIVITIES_MANAGE = "activities.manage"
    MONITORING_VIEW = "monitoring.view"
    MONITORING_MANAGE = "monitoring.manage"
    GRIEVANCES_VIEW = "grievances.view"
    GRIEVANCES_MANAGE = "grievances.manage"
    # Case files (assessments, plans, notes): the Dinsos team responsible for the case.
    CASES_VIEW = "cases.view"
    CASES_MANAGE = "cases.manage"
    # Reassign, override consent with a reason, handle safeguarding: the supervisor.
    CASES_SUPERVISE = "cases.supervise"
    # Answer referrals/transfers addressed to one's own organisation.
    REFERRALS_RESPOND = "referrals.respond"
    REPATRIATION_MANAGE = "repatriation.manage"
    TRAINING_VIEW = "training.view"
    TRAINING_MANAGE = "training.manage"
    # Anonymisation at the end of retention, answering a data subject's request (UU PDP Pasal 32).
    DATA_SUBJECT_REQUESTS = "people.subject_requests"
    # --- Assistance and budget (issue 6; scope functions in their section below) ---
    # Budget lines, programmes and aggregate figures: no person data.
    BUDGET_VIEW = "budget.view"
    BUDGET_MANAGE = "budget.manage"
    # Entitlement runs and entitlements by case code (who gets what), the ledger by entry.
    ASSISTANCE_VIEW = "assistance.view"
    # Programmes, their amount rule, cycles and eligibility rules.
    ASSISTANCE_MANAGE = "assistance.manage"
    ENTITLEMENT_PROPOSE = "entitlements.propose"
    # The head of Dinsos only; never the person who proposed (checked per run).
    ENTITLEMENT_APPROVE = "entitlements.approve"
    # The finance officer: pays, prints receipts, records reversals; sees the payee's name.
    DISBURSE = "entitlements.disburse"
    # --- Dashboards and reports (issue 7; grants and scope functions in their section below) ---
    # Aggregate figures by role and scope; small counts are suppressed outside the owning team.
    DASHBOARD_VIEW = "reports.dashboard"
    # Generate, sign off and send the monthly progress report for the level above: the head of Dinsos.
    REPORTS_SIGN = "reports.sign"


_EVERYONE = {Perm.REGIONS_VIEW, Perm.ORGANISATIONS_VIEW}
# The Dinsos team working with people in its region.
_TEAM = {
    Perm.SITES_VIEW,
    Perm.PEOPLE_VIEW,
    Perm.CENSUS_VIEW,
    Perm.IDENTITY_VIEW,
    Perm.PROGRAMMES_VIEW,
    Perm.MONITORING_VIEW,
    Perm.GRIEVANCES_VIEW,
}
# Those who run a programme day to day: record meetings, visits and complaints.
_FIELD = {Perm.ACTIVITIES_MANAGE, Perm.MONITORING_MANAGE, Perm.GRIEVANCES_MANAGE}
# Casework: case files, referrals, repatriation, training.
_CASEWORK = {
    Perm.CASES_VIEW,
    Perm.CASES_MANAGE,
    Perm.REFERRALS_RESPOND,
    Perm.REPATRIATION_MANAGE,
    Perm.TRAINING_VIEW,
    Perm.TRAINING_MANAGE,
}

# Assistance and budget (issue 6): who reads the money, who proposes, approves and pays.
_ASSISTANCE_TEAM = {Perm.BUDGET_VIEW, Perm.ASSISTANCE_VIEW, Perm.ENTITLEMENT_PROPOSE}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    # Users and settings only — no case data, no identities.
    Role.SYSADMIN: frozenset(_EVERYONE | {Perm.USERS_MANAGE, Perm.ORGANISATIONS_MANAGE}),
    # Aggregates nationwide, never identities or person records.
    Role.KEMENSOS_ANALYST: frozenset(_EVERYONE | {Perm.SITES_VIEW, Perm.PROGRAMMES_VIEW, Perm.BUDGET_VIEW}),
    # The province runs the UPT (rehabilitation centre, training) and follows its kabupaten/kota.
    Role.PROVINCE_OFFICER: frozenset(
        _EVERYONE
        | _TEAM
        | _FIELD
        | _CASEWORK
        | _ASSISTANCE_TEAM
        | {Perm.ORGANISATIONS_MANAGE, Perm.ALERTS_VIEW, Perm.CASES_SUPERVISE, Perm.ASSISTANCE_MANAGE}
    ),
    Role.HEAD_OF_DINSOS: frozenset(
        _EVERYONE
        | _TEAM
        | _FIELD
        | _CASEWORK
        | {
            Perm.CASES_SUPERVISE,
            Perm.DATA_SUBJECT_REQUESTS,
            Perm.PROGRAMMES_MANAGE,
            Perm.ORGANISATIONS_MANAGE,
            Perm.ALERTS_VIEW,
            Perm.SITES_MANAGE,
            Perm.CENSUS_MANAGE,
            Perm.PEOPLE_REGISTER,
            Perm.IDENTITY_EXPORT,
        }
        | _ASSISTANCE_TEAM
        | {Perm.BUDGET_MANAGE, Perm.ASSISTANCE_MANAGE, Perm.ENTITLEMENT_APPROVE}
    ),
    Role.CASE_WORKER: frozenset(_EVERYONE | _TEAM | _FIELD | _CASEWORK | _ASSISTANCE_TEAM | {Perm.PEOPLE_REGISTER}),
    Role.REGISTRAR: frozenset(
        _EVERYONE | _TEAM | {Perm.PEOPLE_REGISTER, Perm.CENSUS_MANAGE, Perm.IDENTITY_EXPORT, Perm.TRAINING_VIEW}
    ),
    # Sees the names needed to pay, nothing of the case notes (enforced per feature).
    Role.FINANCE_OFFICER: frozenset(
        _EVERYONE
        | {Perm.SITES_VIEW, Perm.PEOPLE_VIEW, Perm.IDENTITY_VIEW, Perm.PROGRAMMES_VIEW}
        | {Perm.BUDGET_VIEW, Perm.BUDGET_MANAGE, Perm.ASSISTANCE_VIEW, Perm.DISBURSE}
    ),
    # Only what was referred to the partner organisation (enforced per feature: no referrals, nothing),
    # and the programmes it takes part in.
    Role.PARTNER_USER: frozenset(_EVERYONE | {Perm.IDENTITY_VIEW, Perm.PROGRAMMES_VIEW, Perm.REFERRALS_RESPOND}),
    # Who saw or changed what; reads the audit log, not case files.
    Role.AUDITOR: frozenset(_EVERYONE | {Perm.AUDIT_VIEW}),
}

# --- Dashboards and reports (issue 7) ----------------------------------------------------------
# The head of Dinsos (own region and programmes), the province officer (its kabupaten/kota) and the
# Kemensos analyst (national, aggregates only) read the dashboards; the head of Dinsos signs reports.
_REPORT_GRANTS: dict[str, frozenset[Perm]] = {
    Role.KEMENSOS_ANALYST: frozenset({Perm.DASHBOARD_VIEW}),
    Role.PROVINCE_OFFICER: frozenset({Perm.DASHBOARD_VIEW}),
    Role.HEAD_OF_DINSOS: frozenset({Perm.DASHBOARD_VIEW, Perm.REPORTS_SIGN}),
}
for _role, _granted in _REPORT_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
del _role, _granted
# --- end of dashboards and reports grants ------------------------------------------------------

# Roles that must use TOTP: those who can see identities, and those who can grant access
# (administrators) or read who looked at whom (auditors).
TWO_FACTOR_ROLES = frozenset(role for role, perms in ROLE_PERMISSIONS.items() if Perm.IDENTITY_VIEW in perms) | {
    Role.SYSADMIN,
    Role.AUDITOR,
}


def has_perm(user, perm: Perm) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return perm in ROLE_PERMISSIONS.get(user.role, frozenset())


def requires_two_factor(user) -> bool:
    return bool(user.is_authenticated and user.role in TWO_FACTOR_ROLES)


def is_two_factor_satisfied(user) -> bool:
    if not requires_two_factor(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def require(perm: Perm) -> Callable:
    """Decorate a view: anonymous → login page; 2FA pending → 2FA page; no permission → 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_two_factor_satisfied(user):
                return redirect("accounts:two_factor")
            if not has_perm(user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # read by the role × URL matrix test
        return wrapped

    return decorator


def require_login(view: Callable) -> Callable:
    """For pages every signed-in (and two-factor verified) user may open, such as home."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_two_factor_satisfied(request.user):
            return redirect("accounts:two_factor")
        return view(request, *args, **kwargs)

    return wrapped


# --- Region scope -------------------------------------------------------------------------


def region_scope_q(user, field: str) -> Q:
    """Rows whose region code (``field``) lies in the user's region scope.
    A user without a region has national scope."""
    if user.region_id is None:
        return Q()
    return within_q(field, user.region_id)


def in_region_scope(user, region_code: str | None) -> bool:
    if user.region_id is None:
        return True
    if not region_code:
        return False
    return region_code == user.region_id or region_code.startswith(f"{user.region_id}.")


# --- Organisations ------------------------------------------------------------------------


def scope_organisations(user, qs: QuerySet) -> QuerySet:
    """The organisation registry is reference data every role may read (partners must be
    findable for referrals); management is limited to the region scope."""
    if not has_perm(user, Perm.ORGANISATIONS_VIEW):
        return qs.none()
    return qs


def can_manage_organisation(user, organisation) -> bool:
    return has_perm(user, Perm.ORGANISATIONS_MANAGE) and in_region_scope(user, organisation.region_id)


def can_create_organisation_in(user, region_code: str | None) -> bool:
    return has_perm(user, Perm.ORGANISATIONS_MANAGE) and in_region_scope(user, region_code)


# --- Users --------------------------------------------------------------------------------


def scope_users(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.USERS_MANAGE):
        return qs.none()
    return qs.filter(region_scope_q(user, "organisation__region__code"))


def can_manage_user(user, target) -> bool:
    return has_perm(user, Perm.USERS_MANAGE) and in_region_scope(user, target.organisation.region_id)


def assignable_roles(user) -> list[tuple[str, str]]:
    """Roles an administrator may hand out. A regional administrator cannot create
    national roles (Kemensos analyst) or national-scope users."""
    if not has_perm(user, Perm.USERS_MANAGE):
        return []
    roles = list(Role.choices)
    if user.region_id is not None:
        roles = [(value, label) for value, label in roles if value != Role.KEMENSOS_ANALYST]
    return roles


# --- Audit --------------------------------------------------------------------------------


def scope_audit_events(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.AUDIT_VIEW):
        return qs.none()
    if user.region_id is None:
        return qs
    # Regional auditors see what actors of their region did (anonymous failed logins excluded).
    return qs.filter(within_q("actor_region_code", user.region_id))


# --- Sites, people, census ----------------------------------------------------------------


def scope_sites(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.SITES_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "region__code"))


def can_manage_site(user, site) -> bool:
    return has_perm(user, Perm.SITES_MANAGE) and in_region_scope(user, site.region_id)


def scope_wisma(user, qs: QuerySet) -> QuerySet:
    """A wisma is visible wherever its site is."""
    if not has_perm(user, Perm.SITES_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "site__region__code"))


def can_view_wisma_owner(user, site) -> bool:
    """Wisma owners' names and contacts are identifying data, protected like residents'."""
    return (
        has_perm(user, Perm.IDENTITY_VIEW) and has_perm(user, Perm.SITES_VIEW) and in_region_scope(user, site.region_id)
    )


def scope_people(user, qs: QuerySet) -> QuerySet:
    """Person records registered in the user's region, and those whose case was transferred to it
    (the case moves with its history; the person must be reachable by the new team). Partners see
    none: what was referred to them is reached through the referral."""
    if not has_perm(user, Perm.PEOPLE_VIEW):
        return qs.none()
    if user.region_id is None:
        return qs
    from cases.models import Case

    transferred_here = Case.objects.filter(person=OuterRef("pk")).filter(within_q("scope_region_code", user.region_id))
    return qs.filter(within_q("scope_region_code", user.region_id) | Exists(transferred_here))


def person_in_scope(user, person) -> bool:
    if in_region_scope(user, person.scope_region_code):
        return True
    from cases.models import Case

    return Case.objects.filter(person=person).filter(within_q("scope_region_code", user.region_id)).exists()


def can_register_people_at(user, site) -> bool:
    return has_perm(user, Perm.PEOPLE_REGISTER) and in_region_scope(user, site.region_id)


def can_view_safeguarding(user) -> bool:
    """Child and trafficking flags, their indicators and open alerts: for those who protect
    (alerts, casework) or register (a child's consent is the guardian's). Not the finance
    officer, who sees a person only to pay her."""
    return any(has_perm(user, perm) for perm in (Perm.ALERTS_VIEW, Perm.CASES_VIEW, Perm.PEOPLE_REGISTER))


def can_view_identity(user, person) -> bool:
    """The team of the person's region, or of the region a case was transferred to. A partner
    sees an identity only through an accepted referral that shares it (``referral_shares``)."""
    return has_perm(user, Perm.IDENTITY_VIEW) and has_perm(user, Perm.PEOPLE_VIEW) and person_in_scope(user, person)


def can_export_identity(user) -> bool:
    return has_perm(user, Perm.IDENTITY_EXPORT)


def scope_alerts(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.ALERTS_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


def scope_census_rounds(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.CENSUS_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "site__region__code"))


def scope_census_imports(user, qs: QuerySet) -> QuerySet:
    """Import batches of census rounds inside the user's region scope."""
    if not has_perm(user, Perm.CENSUS_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "round__site__region__code"))


def scope_census_import_rows(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.CENSUS_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "batch__round__site__region__code"))


def can_manage_census(user, site) -> bool:
    return has_perm(user, Perm.CENSUS_MANAGE) and in_region_scope(user, site.region_id)


# --- Programmes, activities, follow-up actions, monitoring, grievances -----------------------


def _is_partner(user) -> bool:
    return user.role == Role.PARTNER_USER


def scope_programmes(user, qs: QuerySet) -> QuerySet:
    """Dinsos teams see programmes in their region; a partner only those it takes part in."""
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        return qs.none()
    if _is_partner(user):
        ids = qs.model.objects.filter(
            Q(partners=user.organisation_id) | Q(owner_organisation=user.organisation_id)
        ).values("pk")
        return qs.filter(pk__in=ids)
    return qs.filter(region_scope_q(user, "region__code"))


def can_manage_programme(user, programme) -> bool:
    return has_perm(user, Perm.PROGRAMMES_MANAGE) and in_region_scope(user, programme.region_id)


def can_create_programme_in(user, region_code: str | None) -> bool:
    return has_perm(user, Perm.PROGRAMMES_MANAGE) and in_region_scope(user, region_code)


def scope_activities(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        return qs.none()
    if _is_partner(user):
        from programmes.models import ClosureProgramme

        return qs.filter(programme__in=scope_programmes(user, ClosureProgramme.objects.all()).values("pk"))
    return qs.filter(region_scope_q(user, "region_code"))


def can_record_activity(user, programme) -> bool:
    return has_perm(user, Perm.ACTIVITIES_MANAGE) and in_region_scope(user, programme.region_id)


def scope_actions(user, qs: QuerySet) -> QuerySet:
    """Follow-up actions: those of visible programmes, plus a partner's own actions."""
    if not has_perm(user, Perm.PROGRAMMES_VIEW):
        return qs.none()
    if _is_partner(user):
        from programmes.models import ClosureProgramme

        visible = scope_programmes(user, ClosureProgramme.objects.all()).values("pk")
        return qs.filter(Q(programme__in=visible) | Q(owner_organisation=user.organisation_id))
    return qs.filter(region_scope_q(user, "region_code"))


def can_update_action(user, action) -> bool:
    """The programme's team, or the organisation that owns the action (it reports its own progress)."""
    if has_perm(user, Perm.ACTIVITIES_MANAGE) and in_region_scope(user, action.region_code):
        return True
    return has_perm(user, Perm.PROGRAMMES_VIEW) and user.organisation_id == action.owner_organisation_id


def scope_monitoring_visits(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.MONITORING_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "village__code"))


def can_record_monitoring(user, village_code: str | None) -> bool:
    return has_perm(user, Perm.MONITORING_MANAGE) and in_region_scope(user, village_code)


def scope_grievances(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.GRIEVANCES_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "region_code"))


def can_manage_grievance(user, region_code: str | None) -> bool:
    return has_perm(user, Perm.GRIEVANCES_MANAGE) and in_region_scope(user, region_code)


def can_view_complainant(user, grievance) -> bool:
    """A named complainant's name and contact: identity rules, plus handling rights."""
    return (
        has_perm(user, Perm.IDENTITY_VIEW)
        and has_perm(user, Perm.GRIEVANCES_MANAGE)
        and in_region_scope(user, grievance.region_code)
    )


# --- Cases, referrals, repatriation, training ------------------------------------------------


def scope_cases(user, qs: QuerySet) -> QuerySet:
    """Case files of the responsible Dinsos's region. Partners never browse cases: they see
    referrals addressed to them (``scope_referrals_received``) and only the shared fields."""
    if not has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


def can_manage_case(user, case) -> bool:
    return has_perm(user, Perm.CASES_MANAGE) and in_region_scope(user, case.scope_region_code)


def can_supervise_case(user, case) -> bool:
    if case.supervisor_id is not None and case.supervisor_id == user.id and has_perm(user, Perm.CASES_MANAGE):
        return True
    return has_perm(user, Perm.CASES_SUPERVISE) and in_region_scope(user, case.scope_region_code)


def can_open_case_for(user, person) -> bool:
    return has_perm(user, Perm.CASES_MANAGE) and in_region_scope(user, person.scope_region_code)


def scope_referrals_received(user, qs: QuerySet) -> QuerySet:
    """Referrals and transfers addressed to the user's own organisation."""
    if not has_perm(user, Perm.REFERRALS_RESPOND):
        return qs.none()
    return qs.filter(to_organisation=user.organisation_id)


def scope_referrals(user, qs: QuerySet) -> QuerySet:
    """Referrals the user may open: those addressed to their organisation, and those of cases in
    their scope (the sending team)."""
    from cases.models import Case

    condition = Q(pk__in=[])
    if has_perm(user, Perm.REFERRALS_RESPOND):
        condition |= Q(to_organisation=user.organisation_id)
    if has_perm(user, Perm.CASES_VIEW):
        condition |= Q(case__in=scope_cases(user, Case.objects.all()).values("pk"))
    return qs.filter(condition)


def can_respond_to_referral(user, referral) -> bool:
    return has_perm(user, Perm.REFERRALS_RESPOND) and referral.to_organisation_id == user.organisation_id


def referral_shares(user, referral, part: str) -> bool:
    """May the receiver see this part of the case ("identity", "assessment", "plan", ...)?
    Only after accepting, only what was shared; the sending team sees everything anyway."""
    if can_manage_case(user, referral.case):
        return True
    return (
        can_respond_to_referral(user, referral)
        and referral.status in ("accepted", "completed")
        and part in (referral.shared_fields or [])
    )


def scope_repatriations(user, qs: QuerySet) -> QuerySet:
    """The sending team's repatriations, and those coming home to the user's region (the list
    each origin region receives: case codes and arrival, identity only after a transfer)."""
    if not has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    if user.region_id is None:
        return qs
    mine = region_scope_q(user, "scope_region_code")
    if len(user.region_id) > 5:
        return qs.filter(mine)  # a kecamatan-level user receives nothing beyond its own scope
    return qs.filter(mine | within_q("destination_regency_code", user.region_id))


def scope_trips(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.CASES_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


def can_manage_trip(user, trip) -> bool:
    return has_perm(user, Perm.REPATRIATION_MANAGE) and in_region_scope(user, trip.scope_region_code)


def scope_handovers(user, qs: QuerySet) -> QuerySet:
    """Handovers addressed to the user's organisation, and those of trips in the user's region
    (the sending team)."""
    if not (has_perm(user, Perm.CASES_VIEW) or has_perm(user, Perm.REFERRALS_RESPOND)):
        return qs.none()
    return qs.filter(Q(receiving_organisation=user.organisation_id) | region_scope_q(user, "trip__scope_region_code"))


def can_acknowledge_handover(user, handover) -> bool:
    return has_perm(user, Perm.REFERRALS_RESPOND) and handover.receiving_organisation_id == user.organisation_id


def scope_courses(user, qs: QuerySet) -> QuerySet:
    """Courses hold no personal data: every casework role may find one to enrol people in, and the
    provider organisation (e.g. UPT RSBKW Kediri) sees its own."""
    if has_perm(user, Perm.TRAINING_VIEW):
        return qs
    if has_perm(user, Perm.REFERRALS_RESPOND):
        return qs.filter(provider=user.organisation_id)
    return qs.none()


def can_view_courses(user) -> bool:
    """The casework roles, and a provider's partner staff (``scope_courses`` gives them their own)."""
    return has_perm(user, Perm.TRAINING_VIEW) or has_perm(user, Perm.REFERRALS_RESPOND)


def scope_enrolments(user, qs: QuerySet) -> QuerySet:
    """An enrolment is found wherever its course is visible (actions then check the policy)."""
    from training.models import Course

    return qs.filter(course__in=scope_courses(user, Course.objects.all()).values("pk"))


def can_manage_course(user, course) -> bool:
    return has_perm(user, Perm.TRAINING_MANAGE) and (
        in_region_scope(user, course.scope_region_code) or user.organisation_id == course.provider_id
    )


def can_enrol_case(user, case) -> bool:
    return has_perm(user, Perm.TRAINING_MANAGE) and in_region_scope(user, case.scope_region_code)


def scope_subject_requests(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.DATA_SUBJECT_REQUESTS):
        return qs.none()
    return qs.filter(region_scope_q(user, "person__scope_region_code"))


def can_answer_subject_requests(user, person) -> bool:
    return has_perm(user, Perm.DATA_SUBJECT_REQUESTS) and in_region_scope(user, person.scope_region_code)


# --- Record linkage (matching) -------------------------------------------------------------
# A candidate pair is two person records; a user sees (and decides) a pair only when *both*
# records lie in the user's region scope. A pair across regions shows in neither queue: the
# other region's record is not the user's to see ("known elsewhere" answers yes/no instead).


def scope_match_candidates(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.PEOPLE_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "person_a__scope_region_code")).filter(
        region_scope_q(user, "person_b__scope_region_code")
    )


def can_decide_match(user, candidate) -> bool:
    """Deciding merges or separates records: the registering roles, for records in their scope."""
    return (
        has_perm(user, Perm.PEOPLE_REGISTER)
        and in_region_scope(user, candidate.person_a.scope_region_code)
        and in_region_scope(user, candidate.person_b.scope_region_code)
    )


# --- Assistance and budget (issue 6) ----------------------------------------------------------
# Budget lines, programmes, runs, entitlements and ledger entries carry the owner organisation's
# region (``scope_region_code``). Aggregates (BUDGET_VIEW) reach the Kemensos analyst; rows per
# person (ASSISTANCE_VIEW) only the Dinsos team and the finance officer. No case notes anywhere.


def scope_budget_lines(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.BUDGET_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


def scope_assistance_programmes(user, qs: QuerySet) -> QuerySet:
    if not has_perm(user, Perm.BUDGET_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


def scope_entitlement_runs(user, qs: QuerySet) -> QuerySet:
    """Runs, entitlements and ledger entries: case codes and amounts per person."""
    if not has_perm(user, Perm.ASSISTANCE_VIEW):
        return qs.none()
    return qs.filter(region_scope_q(user, "scope_region_code"))


scope_entitlements = scope_entitlement_runs
scope_ledger_entries = scope_entitlement_runs


def can_manage_budget_line(user, budget_line) -> bool:
    return has_perm(user, Perm.BUDGET_MANAGE) and in_region_scope(user, budget_line.scope_region_code)


def can_create_budget_line_in(user, region_code: str | None) -> bool:
    return has_perm(user, Perm.BUDGET_MANAGE) and in_region_scope(user, region_code)


def can_manage_assistance_programme(user, programme) -> bool:
    return has_perm(user, Perm.ASSISTANCE_MANAGE) and in_region_scope(user, programme.scope_region_code)


def can_propose_entitlements(user, programme) -> bool:
    return has_perm(user, Perm.ENTITLEMENT_PROPOSE) and in_region_scope(user, programme.scope_region_code)


def can_approve_run(user, run) -> bool:
    """The head of Dinsos of the region, and never whoever proposed the run (four eyes)."""
    return (
        has_perm(user, Perm.ENTITLEMENT_APPROVE)
        and in_region_scope(user, run.scope_region_code)
        and run.proposed_by_id != user.pk
    )


def can_disburse(user, entitlement) -> bool:
    return has_perm(user, Perm.DISBURSE) and in_region_scope(user, entitlement.scope_region_code)


# --- Dashboards and reports (issue 7) ----------------------------------------------------------
# Figures are counts computed in the database (GROUP BY), never person records. The Kemensos analyst
# reads them nationwide although it may not open a single person's record; the region scope still
# applies to everyone else. Outside the owning team (the Dinsos of a kabupaten/kota and below), small
# counts are suppressed (reports.disclosure).


def report_region_q(user, field: str) -> Q:
    """Rows whose region code ``field`` lies in the user's scope, for aggregate figures only.
    Nothing for a role without the dashboard."""
    if not has_perm(user, Perm.DASHBOARD_VIEW):
        return Q(pk__in=[])
    return region_scope_q(user, field)


def sees_small_numbers(user) -> bool:
    """The owning team: may read its own counts of 1-4 people unsuppressed. That is a Dinsos
    working with person records of one kabupaten/kota (or a narrower region); the province
    officer and the Kemensos analyst get the suppressed figures ("<5"), like any publication."""
    return has_perm(user, Perm.PEOPLE_VIEW) and user.region_id is not None and len(user.region_id) >= 5


def scope_monthly_reports(user, qs: QuerySet) -> QuerySet:
    """The owning team sees its reports in every state; the levels above (province, Kemensos)
    see the reports sent up to them, inside their region scope."""
    if not has_perm(user, Perm.DASHBOARD_VIEW):
        return qs.none()
    qs = qs.filter(region_scope_q(user, "scope_region_code"))
    if has_perm(user, Perm.REPORTS_SIGN):
        return qs
    return qs.filter(status="sent")


def can_generate_report_for(user, region_code: str | None) -> bool:
    return has_perm(user, Perm.REPORTS_SIGN) and region_code is not None and in_region_scope(user, region_code)


def can_sign_report(user, report) -> bool:
    """The head of Dinsos of the report's region signs it off (and then sends it up)."""
    return has_perm(user, Perm.REPORTS_SIGN) and in_region_scope(user, report.scope_region_code)


# --- end of dashboards and reports ----------------------------------------------------------------


# --- Fetching one object ------------------------------------------------------------------


def get_for_user(user, qs: QuerySet, scope: Callable[[object, QuerySet], QuerySet], **lookup) -> Model:
    """Fetch one object through its scope function: outside the scope looks like "not found",
    so a URL guessed by id leaks nothing."""
    try:
        return scope(user, qs).get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404 from exc


# --- Navigation (what the menu shows; the views enforce it again) ---------------------------


def visible_sections(user) -> set[str]:
    sections: set[str] = set()
    if not user.is_authenticated:
        return sections
    if has_perm(user, Perm.REGIONS_VIEW):
        sections.add("regions")
    if has_perm(user, Perm.ORGANISATIONS_VIEW):
        sections.add("organisations")
    if has_perm(user, Perm.USERS_MANAGE):
        sections.add("users")
    if has_perm(user, Perm.AUDIT_VIEW):
        sections.add("audit")
    if has_perm(user, Perm.PEOPLE_VIEW):
        sections.add("people")
    if has_perm(user, Perm.CENSUS_VIEW):
        sections.add("census")
    if has_perm(user, Perm.SITES_VIEW):
        sections.add("sites")
    if has_perm(user, Perm.ALERTS_VIEW):
        sections.add("alerts")
    if has_perm(user, Perm.PROGRAMMES_VIEW):
        sections.update({"programmes", "calendar"})
    if has_perm(user, Perm.MONITORING_VIEW):
        sections.add("monitoring")
    if has_perm(user, Perm.GRIEVANCES_VIEW):
        sections.add("grievances")
    if has_perm(user, Perm.CASES_VIEW):
        sections.update({"cases", "repatriation"})
    if has_perm(user, Perm.REFERRALS_RESPOND):
        sections.add("referrals")
    if can_view_courses(user):
        sections.add("training")
    if has_perm(user, Perm.DATA_SUBJECT_REQUESTS):
        sections.add("subject_requests")
    if has_perm(user, Perm.PEOPLE_VIEW):
        sections.add("matching")
    if has_perm(user, Perm.BUDGET_VIEW):
        sections.add("assistance")
    if has_perm(user, Perm.DASHBOARD_VIEW):
        sections.add("reports")
    return sections
