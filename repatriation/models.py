"""Repatriation (pemulangan): trips grouping people sent home, escorts, costs, and the handover
to the Dinsos of each region of origin, acknowledged by it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    SEA = "sea", _("Laut")
    AIR = "air", _("Udara")
    LAND = "land", _("Darat")


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    DEPARTED = "departed", _("Berangkat")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class Trip(models.Model):
    """One departure of a group, e.g. by sea from Kupang to Surabaya."""

    organiser = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="trips_organised",
        verbose_name=_("penyelenggara"),
    )
    programme = models.ForeignKey(
        "programmes.ClosureProgramme", on_delete=models.PROTECT, null=True, blank=True, related_name="trips"
    )
    departure_on = models.DateField(_("tanggal berangkat"), db_index=True)
    mode = models.CharField(_("moda"), max_length=4, choices=Mode.choices)
    route = models.CharField(_("rute"), max_length=200, help_text=_("Mis. Kupang – Surabaya (KM Awu)."))
    escort = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trips_escorted",
        verbose_name=_("pendamping"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TripStatus.choices, default=TripStatus.PLANNED, db_index=True
    )
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-departure_on", "-id"]
        verbose_name = _("perjalanan pemulangan")
        verbose_name_plural = _("perjalanan pemulangan")

    def __str__(self) -> str:
        return f"{self.route} {self.departure_on}"


class RepatriationStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    TRAVELLING = "travelling", _("Dalam perjalanan")
    HANDED_OVER = "handed_over", _("Diserahterimakan")
    CANCELLED = "cancelled", _("Dibatalkan")


class Repatriation(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="repatriations")
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, null=True, blank=True, related_name="repatriations")
    # Pre-filled from the person's origin; may differ (she goes to family elsewhere).
    destination = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("daerah tujuan"),
    )
    destination_regency_code = models.CharField(max_length=5, db_index=True, editable=False)
    receiving_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repatriations_received",
        verbose_name=_("Dinas Sosial penerima"),
    )
    cost = models.DecimalField(_("biaya per orang"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RepatriationStatus.choices,
        default=RepatriationStatus.PLANNED,
        db_index=True,
    )
    scope_region_code = models.CharField(max_length=13, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["trip", "destination_regency_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~models.Q(status="cancelled"), name="one_active_repatriation_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.destination_id}"


class Handover(models.Model):
    """Serah terima: the receiving Dinsos acknowledges the people handed over to it on a trip."""

    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="handovers")
    receiving_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="handovers_received"
    )
    handed_over_on = models.DateField(_("tanggal serah terima"))
    # The official who signed (a civil servant acting in office: not a protected identity).
    signed_by_name = models.CharField(_("ditandatangani oleh"), max_length=150)
    signed_by_position = models.CharField(_("jabatan"), max_length=150, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)

    class Meta:
        ordering = ["trip", "receiving_organisation"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "receiving_organisation"], name="one_handover_per_receiver")
        ]

    def __str__(self) -> str:
        return f"{self.trip_id} → {self.receiving_organisation_id}"
