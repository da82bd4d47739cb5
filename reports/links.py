"""Links from a figure to the list behind it — only where the user may open that list.

Lists of people or cases never get a link for a role without access to person records (the
Kemensos analyst), even if a permission were later widened by mistake: a dashboard must not become
a way to reach anyone's record.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from access import policy
from access.policy import Perm

# Lists whose rows are people or their cases (case codes).
PERSON_LISTS = frozenset(
    {
        "people:list",
        "people:detail",
        "people:alert_list",
        "cases:list",
        "cases:caseload",
        "cases:detail",
        "cases:followups_overdue",
        "repatriation:trip_list",
        "repatriation:incoming",
        "training:course_list",
        "census:round_list",
    }
)


def link(user, perm: Perm, name: str, *args, **params) -> str | None:
    """The URL of ``name`` with its query, or None when the user may not open it."""
    if not policy.has_perm(user, perm):
        return None
    if name in PERSON_LISTS and not policy.has_perm(user, Perm.PEOPLE_VIEW):
        return None
    url = reverse(name, args=args)
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{url}?{query}" if query else url
