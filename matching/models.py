"""Stored results of matching: runs, candidate pairs and their decisions, person groups.

Nothing here holds a name, NIK, date or phone: a candidate pair is two person ids, a score and
an explanation made of agreement levels and weights ("tanggal lahir sama: +12,4"). A merge
never touches the person records: both stay, each with its own history, and join one
``PersonGroup``; undoing it ends the membership.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Berjalan")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")


class MatchRun(models.Model):
    """One run of the engine over a region (or the whole country)."""

    scope_region_code = models.CharField(_("wilayah"), max_length=13, blank=True, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    records = models.PositiveIntegerField(default=0)
    pairs_compared = models.PositiveBigIntegerField(default=0)
    proposed = models.PositiveIntegerField(default=0)
    needs_review = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # m, u per agreement level and λ: the trained model, reused to score one person against
    # everyone ("known elsewhere?"). Levels and numbers only.
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scope_region_code or 'nasional'} {self.started_at:%Y-%m-%d %H:%M}"

    def audit_label(self) -> str:
        return str(self)


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", _("Diusulkan sama")
    NEEDS_REVIEW = "needs_review", _("Perlu diperiksa")
    SAME = "same", _("Orang yang sama")
    DIFFERENT = "different", _("Bukan orang yang sama")


OPEN_STATUSES = (CandidateStatus.PROPOSED, CandidateStatus.NEEDS_REVIEW)


class MatchCandidate(models.Model):
    """Two person records the engine thinks may be one person (``person_a.pk < person_b.pk``)."""

    person_a = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("skor"))  # match probability, 0..1
    weight = models.FloatField(default=0)  # match weight in bits
    status = models.CharField(
        _("status"), max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.NEEDS_REVIEW, db_index=True
    )
    # {"fields": {"name": {"level": 5, "label": "...", "weight": 8.1}, ...}, "weight": .., "found_by": [...]}
    explanation = models.JSONField(default=dict)
    run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            # One row per pair, ever: a "different" decision is remembered and the pair is never proposed again.
            models.UniqueConstraint(fields=["person_a", "person_b"], name="match_candidate_pair_unique"),
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="match_candidate_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-score"])]

    def __str__(self) -> str:
        return f"{self.person_a_id}~{self.person_b_id}"

    def audit_label(self) -> str:
        return f"{self.person_a.case_code} ~ {self.person_b.case_code}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PersonGroup(models.Model):
    """The records that are one person. Members come and go; the history stays."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    def __str__(self) -> str:
        return f"G{self.pk}"

    def audit_label(self) -> str:
        return str(self)


class GroupMembership(models.Model):
    group = models.ForeignKey(PersonGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    # The decision that brought the person in (undoing it ends this membership).
    via = models.ForeignKey(MatchCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    joined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_at__isnull=True), name="one_active_group_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.person_id}"
