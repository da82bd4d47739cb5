"""Walk the audit chain and report the first edited, inserted or deleted row.

Exits non-zero (CommandError) when the chain is broken, so cron or CI can alert on it::

    python manage.py verify_audit
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.services import audit_verify


class Command(BaseCommand):
    help = "Memeriksa rantai hash log audit dan melaporkan baris pertama yang diubah atau dihapus."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Jumlah baris yang dibaca per kueri (bawaan 5000).",
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size harus 1 atau lebih."))
        checked, problem = audit_verify(batch_size=batch_size)
        self.stdout.write(_("Baris diperiksa: %(count)d") % {"count": checked})
        if problem is None:
            self.stdout.write(self.style.SUCCESS(_("Rantai audit utuh.")))
            return
        row = (
            _("ID baris: %(id)d") % {"id": problem.event_id}
            if problem.event_id is not None
            else _("ID baris: — (ujung rantai)")
        )
        raise CommandError(_("Rantai audit rusak. %(row)s. %(message)s") % {"row": row, "message": problem.message})
