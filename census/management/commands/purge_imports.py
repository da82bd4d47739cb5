"""Daily: cancel census imports left unfinished and wipe their encrypted rows (census/tasks.py)."""

from django.core.management.base import BaseCommand

from census.tasks import purge_abandoned_imports


class Command(BaseCommand):
    help = "Batalkan dan hapus data impor pendataan yang terbengkalai."

    def handle(self, *args, **options):
        count = purge_abandoned_imports()
        self.stdout.write(f"Impor dibatalkan dan dihapus: {count}")
