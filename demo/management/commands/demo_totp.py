from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.management.commands.load_demo import demo_logins_file


class Command(BaseCommand):
    help = "Cetak kode TOTP saat ini untuk akun DEMO (hanya DEBUG), bagi penguji tanpa aplikasi autentikator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        path = demo_logins_file()
        demo_users = {line.split("\t")[0] for line in path.read_text().splitlines()} if path.exists() else set()
        if not settings.DEBUG or username not in demo_users:
            raise CommandError("Hanya untuk akun demo pada instalasi pengembangan (DEBUG=True).")
        device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "-id").first()
        if device is None:
            raise CommandError("Akun ini belum punya perangkat TOTP: masuk dulu sampai halaman kode QR tampil.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
