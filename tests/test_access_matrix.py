"""Every URL of the project, as every role: allowed or forbidden, as declared here.

A new URL without an entry in MATRIX fails ``test_every_url_is_in_the_matrix``: each feature
must say who may use it. Entries name the role set, the HTTP method, and how to build kwargs.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from audit.models import Action
from audit.services import audit_record
from tests.matrix import activities as activities_matrix
from tests.matrix import assistance as assistance_matrix
from tests.matrix import cases as cases_matrix
from tests.matrix import census as census_matrix
from tests.matrix import grievances as grievances_matrix
from tests.matrix import imports as imports_matrix
from tests.matrix import matching as matching_matrix
from tests.matrix import monitoring as monitoring_matrix
from tests.matrix import people as people_matrix
from tests.matrix import programmes as programmes_matrix
from tests.matrix import referrals as referrals_matrix
from tests.matrix import repatriation as repatriation_matrix
from tests.matrix import reports as reports_matrix
from tests.matrix import sites as sites_matrix
from tests.matrix import training as training_matrix

AREA_MATRICES = (
    sites_matrix,
    people_matrix,
    census_matrix,
    imports_matrix,
    programmes_matrix,
    activities_matrix,
    monitoring_matrix,
    grievances_matrix,
    cases_matrix,
    referrals_matrix,
    repatriation_matrix,
    training_matrix,
    matching_matrix,
    assistance_matrix,
    reports_matrix,
)

ALL = frozenset(Role.values)
NOBODY: frozenset[str] = frozenset()
ORG_MANAGERS = frozenset({Role.SYSADMIN, Role.HEAD_OF_DINSOS, Role.PROVINCE_OFFICER})

# URLs reachable without a completed sign-in (the sign-in flow itself, language switch).
# The iCalendar feed is fetched by calendar apps with a secret token instead of a session
# (its rules are tested in tests/test_activities.py).
PUBLIC = {"accounts:login", "accounts:logout", "accounts:two_factor", "set_language", "activities:ical_feed"}

# name: (kwargs key, method, roles allowed, POST data)
MATRIX: dict[str, tuple[str | None, str, frozenset[str], dict]] = {
    "home": (None, "get", ALL, {}),
    "accounts:profile": (None, "get", ALL, {}),
    "accounts:password_change": (None, "get", ALL, {}),
    "accounts:recovery_codes": (None, "get", ALL, {}),
    "accounts:user_list": (None, "get", frozenset({Role.SYSADMIN}), {}),
    "accounts:user_create": (None, "get", frozenset({Role.SYSADMIN}), {}),
    "accounts:user_edit": ("user", "get", frozenset({Role.SYSADMIN}), {}),
    "accounts:user_set_active": ("user", "post", frozenset({Role.SYSADMIN}), {"active": "1"}),
    "accounts:user_unlock": ("user", "post", frozenset({Role.SYSADMIN}), {}),
    "regions:index": (None, "get", ALL, {}),
    "regions:detail": ("region", "get", ALL, {}),
    "regions:search": (None, "get", ALL, {}),
    "organisations:list": (None, "get", ALL, {}),
    "organisations:detail": ("organisation", "get", ALL, {}),
    "organisations:create": (None, "get", ORG_MANAGERS, {}),
    "organisations:edit": ("organisation", "get", ORG_MANAGERS, {}),
    "organisations:set_active": ("organisation", "post", ORG_MANAGERS, {"active": "1"}),
    "organisations:accreditation_add": ("lks", "get", ORG_MANAGERS, {}),
    "audit:list": (None, "get", frozenset({Role.AUDITOR}), {}),
    "audit:detail": ("audit_event", "get", frozenset({Role.AUDITOR}), {}),
    "audit:export": (None, "get", frozenset({Role.AUDITOR}), {}),
}
for _area in AREA_MATRICES:
    assert not set(_area.ENTRIES) & set(MATRIX), f"{_area.__name__} repeats a URL"
    MATRIX.update(_area.ENTRIES)


def _url_names(patterns, namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if namespace and entry.namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _url_names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def all_url_names() -> set[str]:
    return set(_url_names(get_resolver().url_patterns))


def test_every_url_is_in_the_matrix():
    names = all_url_names()
    missing = names - set(MATRIX) - PUBLIC
    stale = set(MATRIX) - names
    assert not missing, f"URLs without an access-matrix entry: {sorted(missing)}"
    assert not stale, f"Matrix entries for URLs that no longer exist: {sorted(stale)}"


class _Targets(dict):
    """The objects URLs need, built area by area only when a test asks for a key the areas built
    so far do not have: a URL without arguments builds nothing, and the costly areas (reports
    generate files) are built only for their own URLs."""

    def __init__(self, shared: dict, pending: list):
        super().__init__(shared)
        self._pending = pending

    def __missing__(self, key):
        while self._pending:
            self.update(self._pending.pop(0)())
            if dict.__contains__(self, key):
                return dict.__getitem__(self, key)
        raise KeyError(key)


@pytest.fixture
def targets(users, orgs, site_kd, make_person, make_round):
    def area_builder(area):
        def build():
            person, census_round = base()
            return area.build_targets(users=users, orgs=orgs, site=site_kd, person=person, census_round=census_round)

        return build

    made = {}

    def base():
        if not made:
            person = make_person(origin_regency="53.71")
            made.update(person=person, census_round=make_round(people=[person]))
        return made["person"], made["census_round"]

    def audit_event():
        event = audit_record(Action.UPDATE, actor=users[Role.HEAD_OF_DINSOS], object_type="uji", object_id="1")
        return {"audit_event": {"pk": event.pk}}

    shared = {
        "user": {"pk": users[Role.REGISTRAR].pk},
        "organisation": {"pk": orgs["dinsos_kupang"].pk},
        "lks": {"pk": orgs["lks_kupang"].pk},
        "region": {"code": "53.71"},
    }
    return _Targets(shared, [audit_event, *(area_builder(area) for area in AREA_MATRICES)])


CASES = [(name, role) for name in sorted(MATRIX) for role in sorted(ALL)]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_role_url_matrix(client, users, targets, login, name, role):
    kwargs_key, method, allowed, data = MATRIX[name]
    url = reverse(name, kwargs=targets[kwargs_key] if kwargs_key else None)
    login(users[role])
    response = client.post(url, data) if method == "post" else client.get(url)
    if role in allowed:
        assert response.status_code in (200, 302), f"{role} should reach {name}, got {response.status_code}"
        if response.status_code == 302:
            assert "/masuk/" not in response.url and "dua-faktor" not in response.url
    else:
        assert response.status_code == 403, f"{role} must be refused {name}, got {response.status_code}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, targets, name):
    kwargs_key, method, _allowed, data = MATRIX[name]
    url = reverse(name, kwargs=targets[kwargs_key] if kwargs_key else None)
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(n for n in MATRIX if MATRIX[n][2] != ALL and MATRIX[n][1] == "get"))
def test_pending_second_factor_reaches_nothing(client, users, targets, name):
    """A user who typed the password but not the code is held on the two-factor page."""
    kwargs_key, _method, allowed, _data = MATRIX[name]
    role = sorted(allowed)[0] if allowed else Role.CASE_WORKER
    client.force_login(users[role])
    url = reverse(name, kwargs=targets[kwargs_key] if kwargs_key else None)
    response = client.get(url)
    if users[role].role == Role.KEMENSOS_ANALYST:
        pytest.skip("analyst has no second factor")
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor")
