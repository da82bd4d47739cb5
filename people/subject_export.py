"""Everything held on one person, for her request to see her data (UU PDP; answered within 3×24
hours, Pasal 32): a ZIP with the same content twice — ``data.xlsx`` to read (one sheet per
part) and ``data.json`` to carry elsewhere — and a short note on what the file contains.

The identity is read through ``reveal(purpose="export")`` (policy check + an export_identity
audit event); the decrypted case narratives are covered by one ``export`` event naming the
parts that went into the file. The audit rows about her (who viewed or changed her record,
her cases, her requests) are part of what is held on her, so they are in the file too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from access import policy
from assistance.models import Entitlement
from audit.models import Action, AuditEvent
from audit.services import audit_record
from cases import models as case_models
from cases.narrative import unseal_text
from cases.rules import NEEDS, RISK_FLAGS
from census.models import CensusEntry
from repatriation.models import Repatriation
from training.models import Enrolment

from .identity import reveal
from .models import Person
from .safeguards import TRAFFICKING_INDICATORS

# Parts of the file, in order: (key in the JSON, sheet title). A one-row part is laid out as
# label / value pairs on its sheet; the others as a table.
PARTS: list[tuple[str, str]] = [
    ("identitas", "Identitas"),
    ("data_penerima", "Data penerima"),
    ("persetujuan", "Persetujuan"),
    ("pendataan", "Pendataan"),
    ("kasus", "Kasus"),
    ("asesmen", "Asesmen"),
    ("rencana", "Rencana intervensi"),
    ("layanan", "Layanan"),
    ("rujukan", "Rujukan"),
    ("bimbingan_lanjut", "Bimbingan lanjut"),
    ("riwayat_kasus", "Riwayat kasus"),
    ("pemulangan", "Pemulangan"),
    ("pelatihan", "Pelatihan"),
    ("bantuan", "Bantuan"),
    ("peringatan", "Peringatan"),
    ("permintaan_subjek_data", "Permintaan subjek data"),
    ("log_akses", "Log akses"),
]
SINGLE_ROW_PARTS = {"identitas", "data_penerima"}

_NEED_LABELS = dict(NEEDS)
_RISK_LABELS = dict(RISK_FLAGS)
_INDICATOR_LABELS = dict(TRAFFICKING_INDICATORS)


def _d(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _dt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("Ya") if value else _("Tidak")


def _labels(codes: Iterable[str], labels: dict) -> str:
    return ", ".join(str(labels.get(code, code)) for code in codes or [])


def _user(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _narrative(ciphertext: str) -> str:
    """Decrypted free text as one readable string ("label: text" per part)."""
    data = unseal_text(ciphertext)
    if isinstance(data, dict):
        return "\n".join(f"{key}: {value}" for key, value in data.items() if value)
    return str(data or "")


def _region(region) -> str:
    return f"{region.code} {region.name}" if region is not None else ""


def _entitlements(person: Person) -> list[dict]:
    """Assistance granted or paid to her."""
    return [
        {
            "program": e.programme.name,
            "tahap": e.cycle.name,
            "jumlah": str(e.amount),
            "status": e.get_status_display(),
            "cara_bayar": e.get_method_display(),
            "tanggal_bayar": _d(e.paid_on),
            "nomor_kuitansi": e.receipt_number,
            "alasan_pembatalan": e.end_reason,
        }
        for e in Entitlement.objects.filter(person=person)
        .select_related("programme", "cycle")
        .order_by("created_at", "id")
    ]


def collect(person: Person, *, user, request=None) -> dict[str, list[dict]]:
    """The parts of the file. Reveals the identity (audited as an export)."""
    identity = reveal(person, user=user, request=request, purpose="export")
    parts: dict[str, list[dict]] = {}
    parts["identitas"] = [
        {
            "kode_kasus": person.case_code,
            "nama_lengkap": identity.full_name,
            "alias": ", ".join(identity.aliases),
            "nik": identity.nik,
            "nomor_kk": identity.kk_number,
            "tempat_lahir": identity.birth_place,
            "tanggal_lahir": _d(identity.birth_date),
            "telepon": identity.phone,
            "alamat_asal": identity.origin_address,
        }
    ]
    parts["data_penerima"] = [
        {
            "kode_kasus": person.case_code,
            "jenis_kelamin": person.get_sex_display(),
            "tahun_lahir": person.birth_year or "",
            "provinsi_asal": _region(person.origin_province),
            "kabupaten_kota_asal": _region(person.origin_regency),
            "pendidikan": person.get_education_display(),
            "status_perkawinan": person.get_marital_status_display(),
            "anak_tanggungan": "" if person.dependent_children is None else person.dependent_children,
            "dasar_pemrosesan": person.get_legal_basis_display(),
            "setuju_dibagikan_ke_mitra": _yes_no(person.share_consent),
            "anak": _yes_no(person.is_child),
            "indikator_tppo": _labels(person.trafficking_indicators, _INDICATOR_LABELS),
            "lokalisasi": person.registered_site.name,
            "terdaftar": _dt(person.registered_at),
            "dianonimkan": _dt(person.anonymised_at),
        }
    ]
    parts["persetujuan"] = [
        {
            "tanggal": _d(c.recorded_on),
            "jenis": c.get_kind_display(),
            "dasar": c.get_legal_basis_display(),
            "setuju": _yes_no(c.given),
            "oleh_wali": _yes_no(c.by_guardian),
            "ditarik": _d(c.withdrawn_on),
            "catatan": c.note,
            "dicatat_oleh": _user(c.recorded_by),
        }
        for c in person.consents.select_related("recorded_by").order_by("recorded_at", "id")
    ]
    parts["pendataan"] = [
        {
            "putaran": e.round.name,
            "jenis": e.round.get_kind_display(),
            "lokalisasi": e.round.site.name,
            "tanggal": _d(e.round.held_on),
            "dicatat": _dt(e.recorded_at),
        }
        for e in CensusEntry.objects.filter(person=person)
        .select_related("round", "round__site")
        .order_by("round__held_on", "round_id")
    ]
    cases = list(
        case_models.Case.objects.filter(person=person)
        .select_related("responsible_organisation", "case_worker", "supervisor", "site")
        .order_by("opened_on", "id")
    )
    on_cases = {"case__person": person}
    parts["kasus"] = [
        {
            "nomor": c.number,
            "lokalisasi": c.site.name if c.site else "",
            "penanggung_jawab": c.responsible_organisation.name,
            "pekerja_sosial": _user(c.case_worker),
            "supervisor": _user(c.supervisor),
            "tahap": c.get_stage_display(),
            "status": c.get_status_display(),
            "jalur": c.get_pathway_display(),
            "dibuka": _d(c.opened_on),
            "ditutup": _d(c.closed_on),
            "alasan_penutupan": c.get_closing_reason_display(),
        }
        for c in cases
    ]
    parts["asesmen"] = [
        {
            "kasus": a.case.number,
            "versi": a.version,
            "tanggal": _d(a.assessed_on),
            "asesor": _user(a.assessor),
            "kebutuhan": _labels(a.needs, _NEED_LABELS),
            "keinginan": a.get_wish_display(),
            "anak_tanggungan": "" if a.dependent_children is None else a.dependent_children,
            "memiliki_ktp": _yes_no(a.has_ktp),
            "memiliki_kk": _yes_no(a.has_kk),
            "perlu_rujukan_kesehatan": _yes_no(a.health_referral_needed),
            "tanda_risiko": _labels(a.risk_flags, _RISK_LABELS),
            "catatan": _narrative(a.narrative_ciphertext),
        }
        for a in case_models.Assessment.objects.filter(**on_cases)
        .select_related("case", "assessor")
        .order_by("case__opened_on", "case_id", "version")
    ]
    parts["rencana"] = [
        {
            "kasus": p.case.number,
            "versi": p.version,
            "jalur": p.get_pathway_display(),
            "tujuan": p.goals,
            "alasan_jalur_wajib": p.forced_reason,
            "dibuat": _dt(p.created_at),
        }
        for p in case_models.CasePlan.objects.filter(**on_cases)
        .select_related("case")
        .order_by("case__opened_on", "case_id", "version")
    ]
    parts["layanan"] = [
        {
            "kasus": s.case.number,
            "jenis": s.get_kind_display(),
            "penyedia": s.provider.name if s.provider else "",
            "rencana_mulai": _d(s.planned_start),
            "rencana_selesai": _d(s.planned_end),
            "mulai": _d(s.started_on),
            "selesai": _d(s.ended_on),
            "status": s.get_status_display(),
            "hasil": s.outcome,
        }
        for s in case_models.Service.objects.filter(**on_cases)
        .select_related("case", "provider")
        .order_by("case__opened_on", "case_id", "planned_start", "id")
    ]
    parts["rujukan"] = [
        {
            "kasus": r.case.number,
            "jenis": r.get_kind_display(),
            "layanan": r.get_service_kind_display(),
            "dari": r.from_organisation.name,
            "kepada": r.to_organisation.name,
            "alasan": r.reason,
            "data_dibagikan": ", ".join(r.shared_fields or []),
            "dasar_berbagi": r.get_consent_basis_display(),
            "alasan_tanpa_persetujuan": r.override_reason,
            "status": r.get_status_display(),
            "alasan_penolakan": r.decline_reason,
            "dibuat": _dt(r.created_at),
            "dijawab": _dt(r.responded_at),
        }
        for r in case_models.Referral.objects.filter(**on_cases)
        .select_related("case", "from_organisation", "to_organisation")
        .order_by("created_at", "id")
    ]
    parts["bimbingan_lanjut"] = [
        {
            "kasus": f.case.number,
            "bulan_ke": f.months_after,
            "jadwal": _d(f.due_on),
            "dilaksanakan": _d(f.done_on),
            "hasil": f.get_outcome_display(),
            "catatan": _narrative(f.note_ciphertext),
        }
        for f in case_models.FollowUp.objects.filter(**on_cases).select_related("case").order_by("due_on", "id")
    ]
    parts["riwayat_kasus"] = [
        {
            "kasus": n.case.number,
            "waktu": _dt(n.created_at),
            "ringkasan": n.summary,
            "catatan": _narrative(n.text_ciphertext),
            "oleh": _user(n.created_by),
        }
        for n in case_models.CaseNote.objects.filter(**on_cases)
        .select_related("case", "created_by")
        .order_by("created_at", "id")
    ]
    parts["pemulangan"] = [
        {
            "kasus": r.case.number,
            "tujuan": _region(r.destination),
            "dinas_sosial_penerima": r.receiving_organisation.name if r.receiving_organisation else "",
            "tanggal_berangkat": _d(r.trip.departure_on) if r.trip else "",
            "moda": r.trip.get_mode_display() if r.trip else "",
            "rute": r.trip.route if r.trip else "",
            "pendamping": r.trip.escort.name if r.trip and r.trip.escort else "",
            "biaya": str(r.cost),
            "status": r.get_status_display(),
        }
        for r in Repatriation.objects.filter(**on_cases)
        .select_related("case", "destination", "receiving_organisation", "trip", "trip__escort")
        .order_by("created_at", "id")
    ]
    parts["pelatihan"] = [
        {
            "kasus": e.case.number,
            "pelatihan": e.course.name,
            "keterampilan": e.course.get_skill_display(),
            "penyelenggara": e.course.provider.name,
            "status": e.get_status_display(),
            "tanggal_daftar": _d(e.enrolled_on),
            "hadir": f"{e.sessions_attended}/{e.sessions_total}",
            "tanggal_lulus": _d(e.completed_on),
            "nomor_sertifikat": e.certificate_number,
            "alat_usaha_diserahkan": _d(e.toolkit_handed_on),
            "tanggal_keluar": _d(e.left_on),
            "alasan_keluar": e.get_leave_reason_display(),
        }
        for e in Enrolment.objects.filter(**on_cases)
        .select_related("case", "course", "course__provider")
        .order_by("enrolled_on", "id")
    ]
    parts["bantuan"] = _entitlements(person)
    parts["peringatan"] = [
        {
            "jenis": a.get_kind_display(),
            "alasan": a.reason,
            "dibuat": _dt(a.raised_at),
            "ditindaklanjuti": _dt(a.acknowledged_at),
            "oleh": _user(a.acknowledged_by),
        }
        for a in person.alerts.select_related("acknowledged_by").order_by("raised_at", "id")
    ]
    requests = list(person.subject_requests.select_related("handled_by").order_by("received_at", "id"))
    parts["permintaan_subjek_data"] = [
        {
            "jenis": r.get_kind_display(),
            "saluran": r.get_channel_display(),
            "diterima": _dt(r.received_at),
            "batas_jawaban": _dt(r.due_at),
            "catatan": r.note,
            "status": r.get_status_display(),
            "dijawab": _dt(r.answered_at),
            "jawaban": r.answer_note,
            "oleh": _user(r.handled_by),
        }
        for r in requests
    ]
    about = (
        Q(object_type="people.person", object_id=str(person.pk))
        | Q(object_type="cases.case", object_id__in=[str(c.pk) for c in cases])
        | Q(object_type="people.subjectrequest", object_id__in=[str(r.pk) for r in requests])
    )
    parts["log_akses"] = [
        {
            "waktu": _dt(e.at),
            "pengguna": e.actor_username,
            "tindakan": e.get_action_display(),
            "objek": e.object_label,
            "rincian": json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
        }
        for e in AuditEvent.objects.filter(about).order_by("at", "id")
    ]
    return parts


def _cell(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        # Typed text is data, never a formula for the spreadsheet program to run.
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _heading(key: str) -> str:
    return key.replace("_", " ").capitalize()


def workbook_bytes(parts: dict[str, list[dict]]) -> bytes:
    workbook = Workbook(write_only=True)
    for key, title in PARTS:
        rows = parts.get(key, [])
        sheet = workbook.create_sheet(title[:31])
        if key in SINGLE_ROW_PARTS:
            for label, value in (rows[0] if rows else {}).items():
                sheet.append([_cell(sheet, _heading(label), bold=True), _cell(sheet, value)])
            continue
        if not rows:
            sheet.append([_cell(sheet, _("Tidak ada data."))])
            continue
        headers = list(rows[0])
        sheet.append([_cell(sheet, _heading(h), bold=True) for h in headers])
        for row in rows:
            sheet.append([_cell(sheet, row[h]) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def readme(person: Person, *, now: dt.datetime) -> str:
    return _(
        "Salinan data pribadi untuk kode kasus %(code)s, dibuat %(at)s.\n\n"
        "data.xlsx: satu lembar per bagian (identitas, data penerima, persetujuan, pendataan, kasus,\n"
        "asesmen, rencana, layanan, rujukan, bimbingan lanjut, riwayat kasus, pemulangan, pelatihan,\n"
        "bantuan, peringatan, permintaan subjek data, log akses).\n"
        "data.json: isi yang sama dalam format yang dapat dibaca mesin.\n\n"
        "Berkas ini berisi data pribadi. Serahkan hanya kepada yang bersangkutan atau kuasanya.\n"
    ) % {"code": person.case_code, "at": _dt(now)}


def filename(person: Person, *, now: dt.datetime) -> str:
    """``data-5371-KD-0001-2026-01-31.zip``: the case code, never a name."""
    return f"data-{person.case_code}-{timezone.localtime(now):%Y-%m-%d}.zip"


def export_person(person: Person, *, user, request=None, subject_request=None) -> bytes:
    """The ZIP for a request to see one's data. PermissionDenied unless the user answers data
    subject requests for this person."""
    if not policy.can_answer_subject_requests(user, person):
        raise PermissionDenied
    now = timezone.now()
    parts = collect(person, user=user, request=request)
    payload = {"kode_kasus": person.case_code, "dibuat": _dt(now), **parts}
    audit_record(
        Action.EXPORT,
        request=request,
        actor=user,
        obj=person,
        detail={
            "purpose": "subject_access",
            "subject_request": subject_request.pk if subject_request else None,
            "parts": {key: len(rows) for key, rows in parts.items()},
        },
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(payload, ensure_ascii=False, indent=2))
        archive.writestr("data.xlsx", workbook_bytes(parts))
        archive.writestr("BACA.txt", readme(person, now=now))
    return out.getvalue()
