"""Housekeeping for census imports, to run daily (cron or a management command).

An uploaded file holds identities. It is wiped when its batch is applied or cancelled; a batch
that nobody finishes must not keep them for ever.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record

from .models import ImportBatch, ImportStatus

ABANDONED_AFTER_DAYS = 14


def purge_abandoned_imports(*, older_than_days: int = ABANDONED_AFTER_DAYS, now: dt.datetime | None = None) -> int:
    """Cancel unfinished batches uploaded more than ``older_than_days`` ago and wipe their data.
    Returns how many were cancelled."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    stale = ImportBatch.objects.filter(
        created_at__lt=cutoff,
        status__in=[ImportStatus.UPLOADED, ImportStatus.PARSING, ImportStatus.READY, ImportStatus.FAILED],
    )
    count = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().defer("file_ciphertext").get(pk=pk)
            if batch.status in (ImportStatus.APPLIED, ImportStatus.CANCELLED):
                continue  # finished meanwhile
            batch.status = ImportStatus.CANCELLED
            batch.file_ciphertext = b""
            batch.save(update_fields=["status", "file_ciphertext"])
            batch.rows.exclude(Q(data_ciphertext="") & Q(nik_hash="") & Q(name_dob_hash="")).update(
                data_ciphertext="", nik_hash="", name_dob_hash=""
            )
            audit_record(Action.UPDATE, obj=batch, detail={"status": batch.status, "reason": "abandoned"})
            count += 1
    return count
