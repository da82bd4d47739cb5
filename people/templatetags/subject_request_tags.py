"""The person page's "Permintaan subjek data" section, shown only to those who answer such
requests for this person (``policy.can_answer_subject_requests``)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from access import policy

from ..subject_requests import is_overdue

register = template.Library()

# The newest requests shown on the person page; the request list has the rest.
SHOWN = 5


@register.inclusion_tag("people/subject_section.html", takes_context=True)
def subject_request_section(context, person):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not policy.can_answer_subject_requests(user, person):
        return {"show": False}
    now = timezone.now()
    requests = list(person.subject_requests.order_by("-received_at", "-id")[:SHOWN])
    for item in requests:
        item.is_overdue = is_overdue(item, now)
    return {
        "show": True,
        "person": person,
        "requests": requests,
        "csrf_token": context.get("csrf_token"),
    }
