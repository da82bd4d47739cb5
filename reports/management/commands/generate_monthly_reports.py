"""Scheduled monthly reports: one draft per kabupaten/kota with sites (or the regions and
programmes given), for the month given or the month just ended. Run it from cron early each month:

    manage.py generate_monthly_reports                  # last month, every kabupaten/kota with sites
    manage.py generate_monthly_reports --month 2019-01 --region 53.71 --programme 3

A draft already there is refreshed with today's records; a signed report is left as it is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programmes.models import ClosureProgramme
from regions.models import Region
from reports import monthly, services
from sites.models import Site


class Command(BaseCommand):
    help = "Buat atau perbarui draf laporan bulanan (untuk ditandatangani Kepala Dinas Sosial)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="Bulan laporan, mis. 2019-01 (bawaan: bulan lalu).")
        parser.add_argument("--region", action="append", default=[], help="Kode wilayah; boleh diulang.")
        parser.add_argument("--programme", action="append", type=int, default=[], help="Nomor program; boleh diulang.")

    def handle(self, *args, month=None, region=(), programme=(), **options):
        if month:
            first = monthly.parse_month(month)
            if first is None:
                raise CommandError("Bulan ditulis tahun-bulan, mis. 2019-01.")
        else:
            first = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
        codes = list(region)
        if not codes and not programme:
            codes = sorted(set(Site.objects.filter(is_active=True).values_list("regency_code", flat=True)))
        targets = [(r, None) for r in Region.objects.filter(code__in=codes).order_by("code")]
        missing = set(codes) - {r.code for r, _p in targets}
        if missing:
            raise CommandError(f"Wilayah tidak dikenal: {', '.join(sorted(missing))}")
        targets += [(p.region, p) for p in ClosureProgramme.objects.filter(pk__in=programme).select_related("region")]
        made = kept = 0
        for target_region, target_programme in targets:
            label = target_programme.name if target_programme else target_region.path
            try:
                services.generate(region=target_region, programme=target_programme, month=first)
            except ValidationError:
                kept += 1
                self.stdout.write(f"  {label}: sudah ditandatangani, tidak diubah")
                continue
            made += 1
            self.stdout.write(f"  {label}: draf {first:%Y-%m} siap")
        self.stdout.write(
            self.style.SUCCESS(f"{made} draf dibuat/diperbarui, {kept} laporan bertanda tangan tidak diubah.")
        )
