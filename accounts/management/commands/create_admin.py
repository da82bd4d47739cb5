import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation


class Command(BaseCommand):
    help = "Buat administrator sistem pertama untuk sebuah organisasi (tanpa akses data kasus)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True, help="ID atau nama persis organisasi.")
        parser.add_argument("--region", help="Kode cakupan wilayah (kosong = nasional).")

    def handle(self, *args, username, organisation, region=None, **options):
        org = Organisation.objects.filter(pk=organisation).first() if organisation.isdigit() else None
        org = org or Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CommandError(f"Organisasi {organisation!r} tidak ditemukan.")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"Nama pengguna {username!r} sudah dipakai.")
        password = getpass.getpass("Kata sandi: ")
        user = User(username=username, role=Role.SYSADMIN, organisation=org, region_id=region or None)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        audit_record(Action.CREATE, obj=user, username="manage.py", detail={"role": Role.SYSADMIN})
        self.stdout.write(self.style.SUCCESS(f"Administrator {username} dibuat. Login pertama meminta 2FA."))
