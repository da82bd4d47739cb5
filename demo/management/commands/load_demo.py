from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.scenario import load_scenario


def demo_logins_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = "Muat skenario demo sintetis (idempoten) dan cetak akun demo."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Izinkan walau DEBUG=False (bukan untuk produksi).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Skenario demo hanya untuk pengembangan (DEBUG=True). Gunakan --force bila yakin.")
        created = load_scenario()
        path = demo_logins_file()
        if created:
            # Passwords are random per installation; kept only in var/ (never committed) to print on each run.
            # A user created again (a new database) replaces its old line: only current passwords are shown.
            lines = {}
            if path.exists():
                lines = {line.split("\t", 1)[0]: line for line in path.read_text(encoding="utf-8").splitlines()}
            for login in created:
                lines[login.username] = f"{login.username}\t{login.password}\t{login.role_label}\t{login.organisation}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"{line}\n" for line in lines.values()), encoding="utf-8")
            path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Skenario demo siap."))
        if path.exists():
            self.stdout.write("\nAkun demo (nama pengguna / kata sandi / peran / organisasi):")
            for line in path.read_text(encoding="utf-8").splitlines():
                username, password, role, org = line.split("\t")
                self.stdout.write(f"  {username:<18} {password:<22} {role:<26} {org}")
            self.stdout.write(
                "\nPeran yang dapat melihat identitas wajib verifikasi dua langkah: pada login pertama pindai kode QR"
                "\ndengan aplikasi autentikator, atau tanpa ponsel jalankan: make totp USER=<nama pengguna>\n"
            )
