"""Anonymise everyone whose retention period has ended (UU PDP Pasal 43–45).

Safe to run daily (e.g. from cron or a systemd timer): people already anonymised are never
selected again, each batch is its own short transaction, and the rule is checked again under the
row locks. ``--dry-run`` only counts. The period is ``PULIH_RETENTION_DAYS`` (see
``people.retention``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from people import retention


class Command(BaseCommand):
    help = "Anonimkan penerima yang masa retensinya sudah berakhir (identitas dihapus, statistik disimpan)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Hanya hitung, tidak mengubah apa pun.")
        parser.add_argument("--batch", type=int, default=retention.BATCH, help="Jumlah orang per transaksi.")

    def handle(self, *args, dry_run: bool = False, batch: int = retention.BATCH, **options):
        cutoff = retention.retention_cutoff()
        self.stdout.write(
            f"Masa retensi {retention.retention_days()} hari: kasus ditutup dan pendaftaran sebelum "
            f"{cutoff.isoformat()}."
        )
        if dry_run:
            count = retention.anonymise_expired(dry_run=True)
            self.stdout.write(f"Akan dianonimkan: {count} orang (uji coba, tidak ada yang diubah).")
            return
        count = retention.anonymise_expired(batch=max(1, batch))
        self.stdout.write(self.style.SUCCESS(f"Dianonimkan: {count} orang."))
