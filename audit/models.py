"""Append-only audit log, chained by hash so an edited or deleted row is detectable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LOGIN = "login", _("Masuk")
    LOGIN_FAILED = "login_failed", _("Gagal masuk")
    ACCOUNT_LOCKED = "account_locked", _("Akun dikunci")
    LOGOUT = "logout", _("Keluar")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("2FA diaktifkan")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("2FA diverifikasi")
    TWO_FACTOR_FAILED = "2fa_failed", _("2FA gagal")
    RECOVERY_CODES_ISSUED = "recovery_codes", _("Kode pemulihan dibuat")
    PASSWORD_CHANGED = "password_changed", _("Kata sandi diubah")
    CREATE = "create", _("Membuat")
    UPDATE = "update", _("Mengubah")
    DEACTIVATE = "deactivate", _("Menonaktifkan")
    REACTIVATE = "reactivate", _("Mengaktifkan kembali")
    DELETE = "delete", _("Menghapus")
    VIEW_IDENTITY = "view_identity", _("Melihat identitas")
    EXPORT_IDENTITY = "export_identity", _("Mengekspor identitas")
    EXPORT = "export", _("Mengekspor")
    PERMISSION_DENIED = "denied", _("Akses ditolak")


class AuditEvent(models.Model):
    """One thing someone did. Never updated, never deleted (see ``save``/``delete``).

    ``hash`` = SHA-256 over the previous row's hash and this row's canonical content,
    so `manage.py verify_audit` finds the first row that was edited, inserted or removed.
    """

    at = models.DateTimeField(_("waktu"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pelaku"),
    )
    # Kept as text too: the event must stay readable and verifiable whatever happens to the user row.
    actor_username = models.CharField(_("nama pengguna"), max_length=150, blank=True, db_index=True)
    # Region of the actor's scope when the event happened: auditors see events of their region.
    actor_region_code = models.CharField(max_length=13, blank=True, db_index=True)
    action = models.CharField(_("tindakan"), max_length=24, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("jenis objek"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("ID objek"), max_length=64, blank=True)
    # A non-identifying label (case code, organisation name) — never a person's name.
    object_label = models.CharField(_("objek"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit events are append-only.")


class AuditHead(models.Model):
    """The chain's tip: one row, locked while an event is appended, so concurrent
    writers on PostgreSQL cannot fork the chain. Also lets `verify_audit` notice
    rows removed from the end."""

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} events, tip {self.last_hash[:12]}"
