"""Users: each belongs to an organisation, has one role and a region scope."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("Administrator sistem")
    KEMENSOS_ANALYST = "kemensos_analyst", _("Analis Kemensos")
    PROVINCE_OFFICER = "province_officer", _("Petugas Dinsos provinsi")
    HEAD_OF_DINSOS = "head_of_dinsos", _("Kepala Dinas Sosial")
    CASE_WORKER = "case_worker", _("Pekerja sosial")
    REGISTRAR = "registrar", _("Petugas pendataan")
    FINANCE_OFFICER = "finance_officer", _("Bendahara")
    PARTNER_USER = "partner_user", _("Pengguna mitra")
    AUDITOR = "auditor", _("Auditor")


class PulihUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # Django's superuser bypasses Pulih's policy; a system administrator is a normal
        # user with the sysadmin role instead. Use `manage.py create_admin`.
        raise NotImplementedError("Use `manage.py create_admin` to create a system administrator.")


class User(AbstractUser):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisasi"),
    )
    role = models.CharField(_("peran"), max_length=24, choices=Role.choices, db_index=True)
    # None = national scope (Kemensos, national auditors); otherwise everything inside this region.
    region = models.ForeignKey(
        "regions.Region",
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cakupan wilayah"),
        help_text=_("Kosongkan untuk cakupan nasional."),
    )
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = PulihUserManager()
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def region_code(self) -> str | None:
        return self.region_id
