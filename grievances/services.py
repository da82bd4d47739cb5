"""Receiving, answering and assigning grievances; revealing a named complainant.

Rules live here; views only call these. A named complainant's name and contact are identity:
sealed into ``complainant_ciphertext`` at once, read back only through ``reveal_complainant``
(policy check + audit), and never written to the audit log, messages or URLs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from organisations.models import Organisation
from people.crypto import decrypt, encrypt
from programmes.models import ClosureProgramme
from sites.models import Site

from . import rules
from .models import Category, Channel, FromGroup, Grievance, GrievanceStatus

# Two people saving at the same moment may draw the same number; the loser draws again.
REFERENCE_ATTEMPTS = 5
NAME_MAX_LENGTH = 150
CONTACT_MAX_LENGTH = 150

# Where a NIK (16 digits) or a mobile number would end up in clear text: the summary is shown to
# every viewer, so a complainant's contact belongs in the encrypted fields.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)[\s.-]?8\d\d(?:[\s.-]?\d){5,9}(?!\d)")


# --- Choices offered to the actor ---------------------------------------------------------------


def _ancestor_codes(code: str | None) -> list[str]:
    """ "53", "53.71" for "53.71.01": the regions a region lies in."""
    if not code:
        return []
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def handler_organisation_choices(actor) -> QuerySet[Organisation]:
    """Active organisations in the actor's region, or above it (the provincial Dinsos may handle
    a complaint about a kota), and the actor's own."""
    if actor.region_id is None:
        offered = Q()  # national scope: every organisation
    else:
        offered = policy.region_scope_q(actor, "region__code") | Q(region__code__in=_ancestor_codes(actor.region_id))
        if actor.organisation_id:
            offered |= Q(pk=actor.organisation_id)
    return Organisation.objects.filter(Q(is_active=True) & offered).order_by("name", "pk")


def programme_choices(actor) -> QuerySet[ClosureProgramme]:
    return policy.scope_programmes(actor, ClosureProgramme.objects.all()).order_by("name", "pk")


def site_choices(actor) -> QuerySet[Site]:
    return policy.scope_sites(actor, Site.objects.all()).order_by("name", "pk")


def _handler_roles() -> list[str]:
    return [role for role, perms in policy.ROLE_PERMISSIONS.items() if policy.Perm.GRIEVANCES_MANAGE in perms]


def handler_choices(grievance: Grievance) -> QuerySet[User]:
    """Users of the handler organisation who can actually work on this grievance: active, with a
    role that handles grievances, and the grievance inside their region scope."""
    region_ok = Q(region__isnull=True) | Q(
        region_id__in=[grievance.region_code, *_ancestor_codes(grievance.region_code)]
    )
    return User.objects.filter(
        region_ok,
        organisation_id=grievance.handler_organisation_id,
        is_active=True,
        role__in=_handler_roles(),
    ).order_by("username")


# --- Complainant ----------------------------------------------------------------------------------


@dataclass
class Complainant:
    name: str = ""
    contact: str = ""


def seal_complainant(name: str, contact: str) -> str:
    return encrypt(json.dumps({"name": name, "contact": contact}, ensure_ascii=False, separators=(",", ":")))


def _unseal(ciphertext: str) -> Complainant:
    if not ciphertext:
        return Complainant()
    data = json.loads(decrypt(ciphertext))
    return Complainant(name=data.get("name", ""), contact=data.get("contact", ""))


def reveal_complainant(grievance: Grievance, *, user, request=None) -> Complainant:
    """A named complainant's name and contact for an allowed user; every look is audited (the
    event names the grievance, never the person)."""
    if not policy.can_view_complainant(user, grievance):
        audit_record(
            Action.PERMISSION_DENIED, request=request, actor=user, obj=grievance, detail={"wanted": "complainant"}
        )
        raise PermissionDenied
    audit_record(
        Action.VIEW_IDENTITY,
        request=request,
        actor=user,
        obj=grievance,
        detail={"purpose": "view", "identity_of": "complainant"},
    )
    return _unseal(grievance.complainant_ciphertext)


# --- Reference numbers ----------------------------------------------------------------------------


def reference_prefix(region_code: str, year: int) -> str:
    """ "ADU-5371-2018-" for Kota Kupang in 2018: numbered per kabupaten/kota and year."""
    return f"ADU-{region_code[:5].replace('.', '')}-{year}-"


def next_reference(region_code: str, year: int) -> str:
    prefix = reference_prefix(region_code, year)
    # Longest first, so ADU-…-10000 comes after ADU-…-9999.
    last = (
        Grievance.objects.filter(reference__startswith=prefix)
        .annotate(length=Length("reference"))
        .order_by("-length", "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _save_with_reference(grievance: Grievance) -> None:
    for _attempt in range(REFERENCE_ATTEMPTS):
        grievance.reference = next_reference(grievance.region_code, grievance.received_on.year)
        try:
            with transaction.atomic():
                grievance.save()
        except IntegrityError:
            if not Grievance.objects.filter(reference=grievance.reference).exists():
                raise
            continue
        return
    raise ValidationError(_("Nomor pengaduan sedang dipakai bersamaan; simpan sekali lagi."))


# --- Receiving --------------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str:
    return " ".join((value or "").split())


def _region_code(actor, programme: ClosureProgramme | None, site: Site | None) -> str | None:
    """Whose grievance it is: the programme's region; else the more precise of the actor's region
    and the site's kabupaten/kota (a provincial officer recording a complaint about one site files
    it under that site's kota)."""
    if programme is not None:
        return programme.region_id
    candidates = [code for code in (actor.region_id, site.regency_code if site else None) if code]
    return max(candidates, key=len) if candidates else None


@transaction.atomic
def grievance_create(
    *,
    actor,
    request=None,
    received_on: dt.date,
    channel: str,
    category: str,
    from_group: str,
    summary: str,
    handler_organisation: Organisation | None,
    anonymous: bool = True,
    complainant_name: str = "",
    complainant_contact: str = "",
    programme: ClosureProgramme | None = None,
    site: Site | None = None,
    due_on: dt.date | None = None,
) -> Grievance:
    if not policy.has_perm(actor, policy.Perm.GRIEVANCES_MANAGE):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    today = timezone.localdate()
    if received_on is None:
        error("received_on", _("Isi tanggal pengaduan diterima."))
    elif received_on > today:
        error("received_on", _("Tanggal diterima tidak boleh di masa depan."))
    if channel not in Channel.values:
        error("channel", _("Pilih saluran pengaduan."))
    if category not in Category.values:
        error("category", _("Pilih kategori pengaduan."))
    if from_group not in FromGroup.values:
        error("from_group", _("Pilih asal pengadu."))

    summary = (summary or "").strip()
    if not summary:
        error("summary", _("Tuliskan isi pengaduan."))
    elif _NIK.search(summary) or _PHONE.search(summary):
        error(
            "summary", _("Isi pengaduan dapat dibaca semua petugas: tulis NIK atau nomor HP pengadu di kolom kontak.")
        )

    name, contact = _clean_text(complainant_name), _clean_text(complainant_contact)
    if anonymous:
        if name or contact:
            error(
                "complainant_name",
                _("Pengaduan anonim tidak menyimpan nama atau kontak. Kosongkan, atau hilangkan centang “anonim”."),
            )
    else:
        if not name:
            error("complainant_name", _("Isi nama pengadu, atau centang “anonim”."))
        elif len(name) > NAME_MAX_LENGTH:
            error("complainant_name", _("Nama terlalu panjang."))
        if len(contact) > CONTACT_MAX_LENGTH:
            error("complainant_contact", _("Kontak terlalu panjang."))

    if programme is not None and not programme_choices(actor).filter(pk=programme.pk).exists():
        error("programme", _("Program ini di luar cakupan Anda."))
    if site is not None:
        if not site_choices(actor).filter(pk=site.pk).exists():
            error("site", _("Lokalisasi ini di luar cakupan Anda."))
        elif programme is not None and not programme.programme_sites.filter(site=site).exists():
            error("site", _("Lokalisasi ini tidak termasuk dalam program yang dipilih."))
    if handler_organisation is None:
        error("handler_organisation", _("Pilih organisasi penangan."))
    elif not handler_organisation_choices(actor).filter(pk=handler_organisation.pk).exists():
        error("handler_organisation", _("Organisasi ini nonaktif atau di luar cakupan wilayah Anda."))

    if received_on is not None and received_on <= today:
        due_on = due_on or rules.default_due_on(received_on)
        if due_on < received_on:
            error("due_on", _("Batas waktu jawaban tidak boleh sebelum tanggal diterima."))

    region_code = _region_code(actor, programme, site)
    if not region_code:
        error("programme", _("Pilih program atau lokalisasi agar pengaduan tercatat di wilayah yang tepat."))
    elif "programme" not in errors and "site" not in errors and not policy.can_manage_grievance(actor, region_code):
        error("programme", _("Pengaduan ini berada di luar wilayah yang dapat Anda tangani."))
    if errors:
        raise ValidationError(errors)

    grievance = Grievance(
        programme=programme,
        site=site,
        received_on=received_on,
        channel=channel,
        category=category,
        from_group=from_group,
        anonymous=anonymous,
        complainant_ciphertext="" if anonymous else seal_complainant(name, contact),
        summary=summary,
        handler_organisation=handler_organisation,
        due_on=due_on,
        region_code=region_code,
        created_by=actor,
    )
    _save_with_reference(grievance)
    # What kind of grievance, not who complained or what they said.
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=grievance,
        detail={
            "reference": grievance.reference,
            "channel": channel,
            "category": category,
            "from_group": from_group,
            "anonymous": anonymous,
            "due_on": due_on.isoformat(),
        },
    )
    return grievance


# --- Answering and assigning ------------------------------------------------------------------------


@transaction.atomic
def grievance_respond(
    *,
    actor,
    grievance: Grievance,
    status: str,
    response: str = "",
    responded_on: dt.date | None = None,
    request=None,
) -> Grievance:
    """Move a grievance on: in progress, answered (needs a response), or closed (``closed_on`` is
    set; reopening clears it). ``responded_on``, the date of this step, defaults to today."""
    if not policy.can_manage_grievance(actor, grievance.region_code):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if status not in GrievanceStatus.values or status == GrievanceStatus.NEW:
        errors.setdefault("status", []).append(_("Pilih status: ditangani, sudah dijawab, atau selesai."))
    response = (response or "").strip()
    if status == GrievanceStatus.ANSWERED and not response:
        errors.setdefault("response", []).append(_("Tuliskan tanggapan sebelum menandai pengaduan sudah dijawab."))
    today = timezone.localdate()
    on_date = responded_on or today
    if on_date > today:
        errors.setdefault("responded_on", []).append(_("Tanggal tidak boleh di masa depan."))
    elif on_date < grievance.received_on:
        errors.setdefault("responded_on", []).append(_("Tanggal tidak boleh sebelum pengaduan diterima."))
    if errors:
        raise ValidationError(errors)

    before = {
        "status": grievance.status,
        "response": grievance.response,
        "responded_on": grievance.responded_on,
        "closed_on": grievance.closed_on,
    }
    # The date is that of this step: of the response when its text changes, of the closing
    # when the grievance is closed now. Dates of earlier steps stay as recorded.
    if response != grievance.response:
        grievance.response = response
        grievance.responded_on = on_date if response else None
    if status == GrievanceStatus.CLOSED:
        if grievance.status != GrievanceStatus.CLOSED:
            grievance.closed_on = on_date
    else:
        grievance.closed_on = None
    grievance.status = status
    changed = sorted(name for name, value in before.items() if getattr(grievance, name) != value)
    if changed:
        grievance.save(update_fields=changed)
        audit_record(
            Action.UPDATE,
            request=request,
            actor=actor,
            obj=grievance,
            detail={"fields": changed, "status": [before["status"], grievance.status]},
        )
    return grievance


@transaction.atomic
def grievance_assign(*, actor, grievance: Grievance, handler: User | None, request=None) -> Grievance:
    """Name the officer who handles it (or nobody). A new grievance with a handler is in progress."""
    if not policy.can_manage_grievance(actor, grievance.region_code):
        raise PermissionDenied
    if handler is not None and not handler_choices(grievance).filter(pk=handler.pk).exists():
        raise ValidationError(
            {"handler": [_("Pilih petugas dari organisasi penangan yang dapat menangani pengaduan ini.")]}
        )
    if grievance.handler_id == (handler.pk if handler else None):
        return grievance
    grievance.handler = handler
    fields = ["handler"]
    if handler is not None and grievance.status == GrievanceStatus.NEW:
        grievance.status = GrievanceStatus.IN_PROGRESS
        fields.append("status")
    grievance.save(update_fields=fields)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=grievance,
        detail={"fields": fields, "handler": handler.username if handler else None},
    )
    return grievance
