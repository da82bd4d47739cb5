"""The census spreadsheet's columns: one spec shared by the XLSX template, the import parser,
the XLSForm and the round export, so a file exported from Pulih imports back unchanged.

``identity`` columns hold identifying data: they appear only in the template/import and in
exports made by roles allowed to export identity.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str  # stable machine name (XLSForm field name)
    header: str  # Bahasa Indonesia header as written in the template
    help: str  # one line of instruction shown under the header in the template
    identity: bool = False
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "kode_kasus", "Kode kasus", _("Kosongkan untuk orang baru; isi bila orang sudah terdaftar (mis. 5371-KD-0042).")
    ),
    Column(
        "nama_lengkap",
        "Nama lengkap",
        _("Wajib. Boleh nama panggilan bila nama lengkap tidak diketahui."),
        identity=True,
        required=True,
    ),
    Column("alias", "Nama alias", _("Nama lain/panggilan, pisahkan dengan koma."), identity=True),
    Column("nik", "NIK", _("16 digit sesuai KTP; kosongkan bila tidak punya."), identity=True),
    Column("no_kk", "Nomor KK", _("16 digit; boleh kosong."), identity=True),
    Column("tempat_lahir", "Tempat lahir", _("Kota/kabupaten tempat lahir."), identity=True),
    Column("tanggal_lahir", "Tanggal lahir", _("Format HH-BB-TTTT, mis. 17-08-1990."), identity=True),
    Column("jenis_kelamin", "Jenis kelamin", _("P (perempuan) atau L (laki-laki).")),
    Column("telepon", "Nomor HP", _("Mis. 0812xxxxxxxx."), identity=True),
    Column("alamat_asal", "Alamat asal", _("Alamat di daerah asal."), identity=True),
    Column("kabkota_asal", "Kabupaten/kota asal", _("Kode Kemendagri (mis. 53.71) atau nama (mis. Kota Kupang).")),
    Column("pendidikan", "Pendidikan", _("Tidak sekolah, SD, SMP, SMA, Diploma/Sarjana.")),
    Column("status_perkawinan", "Status perkawinan", _("Belum kawin, Kawin, Cerai hidup, Cerai mati.")),
    Column("jumlah_anak", "Jumlah anak tanggungan", _("Angka, mis. 2.")),
    Column(
        "dasar_pemrosesan",
        "Dasar pemrosesan",
        _("Persetujuan, Kewajiban hukum, Kepentingan vital, Tugas pelayanan publik."),
    ),
    Column("setuju_berbagi", "Setuju dibagikan ke mitra", _("Ya, Tidak, atau kosong bila belum ditanyakan.")),
    Column("indikator_tppo", "Indikator TPPO", _("Kode indikator dipisah koma; lihat lembar Petunjuk.")),
)

HEADERS = {column.header.casefold(): column for column in COLUMNS}
REQUIRED_HEADERS = [column.header for column in COLUMNS if column.required]


def non_identity_columns() -> list[Column]:
    return [column for column in COLUMNS if not column.identity]
