"""Training rules that need no database: where a new enrolment goes (a place or the waiting
list), which cases may be proposed for a course, and a course's period on a given day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.models import CaseStatus, Pathway

from .models import EnrolmentStatus

CAPACITY_MIN = 1
CAPACITY_MAX = 500
CAPACITY_DEFAULT = 60
# UPT RSBKW Kediri's courses run about four months; only a hint on the form, never enforced.
TYPICAL_DURATION_DAYS = 120

# Case plans that lead to skills training: staying and working in the region, or a stay at the
# provincial rehabilitation centre (UPT), whose programme is the training.
TRAINING_PATHWAYS = (Pathway.LOCAL_EMPOWERMENT, Pathway.REHAB_CENTRE)

# Statuses that take one of the course's places. A participant who completed still had her place
# (completing early frees nothing); dropping out or withdrawing frees it.
PLACE_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


class Period:
    UPCOMING = "upcoming"
    RUNNING = "running"
    FINISHED = "finished"


def period_of(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> str:
    if today < starts_on:
        return Period.UPCOMING
    if today > ends_on:
        return Period.FINISHED
    return Period.RUNNING


@dataclass(frozen=True)
class Placement:
    status: str
    waiting_position: int | None


def placement(*, places_taken: int, capacity: int, last_waiting_position: int | None) -> Placement:
    """A free place → enrolled; a full course → the end of the waiting list (first come, first served)."""
    if places_taken < capacity:
        return Placement(EnrolmentStatus.ENROLLED, None)
    return Placement(EnrolmentStatus.WAITING, (last_waiting_position or 0) + 1)


def free_places(*, places_taken: int, capacity: int) -> int:
    return max(0, capacity - places_taken)


def enrolment_refusal(
    *, case_status: str, active_status: str | None, on: dt.date, course_ends_on: dt.date
) -> str | None:
    """Why this case cannot be enrolled on ``on`` (a message for the user), or None.
    ``active_status``: the case's enrolled/waiting/completed enrolment in this course, if any."""
    if on > course_ends_on:
        return _("Pelatihan ini sudah selesai: pilih pelatihan lain.")
    if case_status != CaseStatus.OPEN:
        return _("Kasus ini sudah ditutup: buka kembali kasusnya sebelum mendaftarkan ke pelatihan.")
    if active_status == EnrolmentStatus.ENROLLED:
        return _("Kasus ini sudah terdaftar sebagai peserta pelatihan ini.")
    if active_status == EnrolmentStatus.WAITING:
        return _("Kasus ini sudah ada di daftar tunggu pelatihan ini.")
    if active_status == EnrolmentStatus.COMPLETED:
        return _("Kasus ini sudah lulus dari pelatihan ini.")
    return None


def is_training_candidate(*, pathway: str, has_planned_training: bool) -> bool:
    """A case proposed for enrolment: its plan has a training service still to do, or its pathway
    is one that leads to training."""
    return has_planned_training or pathway in TRAINING_PATHWAYS


def completion_outcome(course_name: str) -> str:
    """The training service's outcome once the participant completed the course."""
    return (_("Lulus %(course)s") % {"course": course_name})[:300]


def dropped_outcome(course_name: str, reason_label: str) -> str:
    return (_("Tidak menyelesaikan %(course)s (%(reason)s)") % {"course": course_name, "reason": reason_label})[:300]
