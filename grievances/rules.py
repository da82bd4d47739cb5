"""Grievance deadlines and what counts as overdue."""

from __future__ import annotations

import datetime as dt

from .models import GrievanceStatus

# Two weeks from receipt to an answer. Most complaints need the facts checked on site, often
# with another office (Satpol PP, the kelurahan), which takes days, not hours; yet a resident
# who complains is often about to leave the site and needs the answer while it still matters.
# The handler may set another date on the form; this is only the default.
RESPONSE_DAYS = 14

# A grievance still waiting for its answer: only these can be overdue.
OPEN_STATUSES = (GrievanceStatus.NEW, GrievanceStatus.IN_PROGRESS)


def default_due_on(received_on: dt.date) -> dt.date:
    return received_on + dt.timedelta(days=RESPONSE_DAYS)


def is_overdue(grievance, today: dt.date) -> bool:
    return grievance.status in OPEN_STATUSES and grievance.due_on < today


def days_overdue(grievance, today: dt.date) -> int:
    return (today - grievance.due_on).days if is_overdue(grievance, today) else 0
