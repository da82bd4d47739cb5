"""Check that every rupiah adds up: the assistance ledger against the entitlements, per
entitlement, budget line, programme and site; no budget line overspent.

Exits non-zero (CommandError) when anything differs, so cron or CI can alert on it::

    python manage.py reconcile_budget
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assistance.reconcile import reconcile, rp

LINE = "%(code)s TA %(year)d: pagu %(amount)s, komitmen %(committed)s, dibayar %(disbursed)s, sisa %(remaining)s"


class Command(BaseCommand):
    help = "Mencocokkan buku kas bantuan dengan status setiap hak, per mata anggaran, program, dan lokalisasi."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=50, help="Selisih yang dicantumkan per jenis (bawaan 50).")

    def handle(self, *args, limit: int, **options):
        result = reconcile(limit=max(limit, 1))
        for line, figures in result.lines:
            self.stdout.write(
                _(LINE)
                % {
                    "code": line.code,
                    "year": line.fiscal_year,
                    "amount": rp(line.amount),
                    "committed": rp(figures.committed),
                    "disbursed": rp(figures.disbursed),
                    "remaining": rp(figures.remaining),
                }
            )
        self.stdout.write(
            _("Diperiksa: %(e)d hak, %(n)d catatan buku kas.")
            % {"e": result.entitlements_checked, "n": result.entries_checked}
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS(_("Semua cocok.")))
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(_("Ditemukan %(n)d selisih pada buku kas bantuan.") % {"n": len(result.problems)})
