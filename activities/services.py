"""Recording activities, their attachments and follow-up actions; calendar feed addresses.

Rules live here; views only call these. Every write checks the policy, validates, saves and
writes an audit event. Activities carry aggregate counts only: nothing here links an
activity to a person record (DOMAIN.md "Do no harm").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
import zipfile
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import Action
from audit.services import audit_record

from .models import (
    ActionStatus,
    Activity,
    ActivityKind,
    ActivityStatus,
    Attachment,
    Audience,
    CalendarFeed,
    FollowUpAction,
)

# What a user may set on an activity (programme and region come from the programme).
EDITABLE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "organiser",
    "participants",
    "audience",
    "attendance_female",
    "attendance_male",
    "minutes",
    "decisions",
    "status",
    "site",
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Extension -> (content type, check of the first bytes). The content is checked, not only the
# name: a renamed executable or HTML page must not be served back to other users.
ALLOWED_ATTACHMENTS = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Activities -------------------------------------------------------------------------------


def _check_unknown_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown activity fields: {sorted(unknown)}")


def _validate(activity: Activity, added_participants, *, now: dt.datetime, organiser_changed: bool) -> None:
    """Check ``activity`` as it would be saved; raise every problem at once."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    activity.title = " ".join((activity.title or "").split())
    activity.venue = " ".join((activity.venue or "").split())
    if not activity.title:
        add("title", _("Judul kegiatan wajib diisi."))
    if activity.kind not in ActivityKind.values:
        add("kind", _("Pilih jenis kegiatan."))
    if activity.status not in ActivityStatus.values:
        add("status", _("Pilih status kegiatan."))
    if activity.starts_at is None:
        add("starts_at", _("Waktu mulai wajib diisi."))
    elif activity.ends_at is not None and activity.ends_at <= activity.starts_at:
        add("ends_at", _("Waktu selesai harus sesudah waktu mulai."))
    if activity.status == ActivityStatus.HELD:
        if activity.starts_at is not None and activity.starts_at > now:
            add("status", _("Kegiatan yang belum dimulai tidak dapat berstatus terlaksana."))
        # Counts of a held activity are required: zero must be typed, not left out.
        for field in ("attendance_female", "attendance_male"):
            if getattr(activity, field) is None:
                add(field, _("Isi jumlah yang hadir (0 bila tidak ada)."))
    for field in ("attendance_female", "attendance_male"):
        value = getattr(activity, field)
        if value is not None and value < 0:
            add(field, _("Jumlah tidak boleh negatif."))
    if activity.organiser_id is None:
        add("organiser", _("Pilih penyelenggara."))
    elif organiser_changed and not activity.organiser.is_active:
        add("organiser", _("Organisasi penyelenggara sudah nonaktif."))
    unknown_audience = set(activity.audience or []) - set(Audience.values)
    if unknown_audience:
        add("audience", _("Sasaran tidak dikenal."))
    if (
        activity.site_id is not None
        and not activity.programme.programme_sites.filter(site_id=activity.site_id).exists()
    ):
        add("site", _("Lokalisasi ini tidak termasuk dalam program."))
    # Only organisations newly added must be active: an old participant since deactivated stays.
    if any(not org.is_active for org in added_participants):
        add("participants", _("Ada organisasi peserta yang sudah nonaktif."))
    for field in ("title", "venue"):
        limit = Activity._meta.get_field(field).max_length
        if len(getattr(activity, field)) > limit:
            add(field, _("Paling banyak %(limit)d karakter.") % {"limit": limit})
    if errors:
        raise ValidationError(errors)


def _current_ids(activity: Activity) -> set[int]:
    if activity.pk is None:
        return set()
    return set(activity.participants.values_list("pk", flat=True))


def _assign(activity: Activity, name: str, value: Any) -> None:
    if name in ("minutes", "decisions", "title", "venue"):
        value = (value or "").strip()
    elif name == "audience":
        # Stored in the order of the choices, without duplicates.
        chosen = set(value or [])
        value = [code for code in Audience.values if code in chosen] + sorted(chosen - set(Audience.values))
    # Attendance may be None (not yet known for a planned meeting): validation asks for it once
    # the meeting is held, and ``_finalise_counts`` stores zero otherwise.
    setattr(activity, name, value)


def _finalise_counts(activity: Activity) -> None:
    # The columns are NOT NULL: a planned activity without counts stores zero.
    for field in ("attendance_female", "attendance_male"):
        if getattr(activity, field) is None:
            setattr(activity, field, 0)


@transaction.atomic
def activity_create(*, actor, programme, request=None, **fields) -> Activity:
    _check_unknown_fields(fields)
    if not policy.can_record_activity(actor, programme):
        raise PermissionDenied
    participants = list(fields.pop("participants", None) or [])
    activity = Activity(programme=programme, region_code=programme.region_id, created_by=actor)
    for name, value in fields.items():
        _assign(activity, name, value)
    _validate(activity, participants, now=timezone.now(), organiser_changed=True)
    _finalise_counts(activity)
    activity.save()
    activity.participants.set(participants)
    set_fields = sorted(
        name
        for name in EDITABLE_FIELDS
        if (name == "participants" and participants)
        or (name != "participants" and fields.get(name) not in (None, "", []))
    )
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=activity,
        detail={"programme": programme.pk, "kind": activity.kind, "fields": set_fields},
    )
    return activity


def _column_value(activity: Activity, name: str) -> Any:
    if name in ("organiser", "site"):
        return getattr(activity, f"{name}_id")
    return getattr(activity, name)


def _new_column_value(name: str, value: Any) -> Any:
    if name in ("organiser", "site"):
        return value.pk if value is not None else None
    if name in ("minutes", "decisions", "title", "venue"):
        return (value or "").strip()
    if name == "audience":
        chosen = set(value or [])
        return [code for code in Audience.values if code in chosen] + sorted(chosen - set(Audience.values))
    return value


@transaction.atomic
def activity_update(*, actor, activity: Activity, request=None, **fields) -> Activity:
    _check_unknown_fields(fields)
    if not policy.can_record_activity(actor, activity.programme):
        raise PermissionDenied
    participants = fields.pop("participants", None)
    changed = {
        name for name, value in fields.items() if _column_value(activity, name) != _new_column_value(name, value)
    }
    attnames = {name: Activity._meta.get_field(name).attname for name in fields}
    original = {attname: getattr(activity, attname) for attname in attnames.values()}
    for name in changed:
        _assign(activity, name, fields[name])
    current_ids = _current_ids(activity)
    participants_changed = participants is not None and {o.pk for o in participants} != current_ids
    added = [org for org in participants if org.pk not in current_ids] if participants_changed else []
    try:
        _validate(activity, added, now=timezone.now(), organiser_changed="organiser" in changed)
    except ValidationError:
        # The page shows the stored activity (its title in the heading), not the refused values.
        for attname, value in original.items():
            setattr(activity, attname, value)
        raise
    _finalise_counts(activity)
    # A blank count of a planned activity is stored as the zero it already was: not a change.
    changed = {name for name in changed if getattr(activity, attnames[name]) != original[attnames[name]]}
    if changed:
        activity.save()
    if participants_changed:
        activity.participants.set(participants)
        changed.add("participants")
    if changed:
        audit_record(Action.UPDATE, request=request, actor=actor, obj=activity, detail={"fields": sorted(changed)})
    return activity


# --- Attachments ------------------------------------------------------------------------------


def _content_matches(ext: str, head: bytes, uploaded) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    # Office files are ZIP archives with a known part inside.
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        uploaded.seek(0)
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith("word/" if ext == "docx" else "xl/") for n in names)


@transaction.atomic
def attachment_add(*, actor, activity: Activity, uploaded, name: str = "", request=None) -> Attachment:
    """Store one file of an activity (minutes, attendance list, photo): PDF, JPG, PNG, DOCX or
    XLSX, at most 10 MB, checked by content as well as by name."""
    if not policy.can_record_activity(actor, activity.programme):
        raise PermissionDenied
    if uploaded is None:
        raise ValidationError({"file": [_("Pilih berkas yang akan diunggah.")]})
    original_name = (uploaded.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    ext = original_name.rsplit(".", 1)[-1].lower() if "." in original_name else ""
    if ext not in ALLOWED_ATTACHMENTS:
        raise ValidationError({"file": [_("Jenis berkas tidak diizinkan. Gunakan PDF, JPG, PNG, DOCX, atau XLSX.")]})
    if uploaded.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": [_("Berkas terlalu besar (paling besar 10 MB).")]})
    if uploaded.size == 0:
        raise ValidationError({"file": [_("Berkas kosong.")]})
    uploaded.seek(0)
    head = uploaded.read(16)
    if not _content_matches(ext, head, uploaded):
        raise ValidationError({"file": [_("Isi berkas tidak sesuai dengan jenisnya (.%(ext)s).") % {"ext": ext}]})
    uploaded.seek(0)
    display = " ".join((name or "").split()) or original_name
    display = display[: Attachment._meta.get_field("name").max_length]
    attachment = Attachment(
        activity=activity,
        name=display,
        content_type=ALLOWED_ATTACHMENTS[ext],
        size=uploaded.size,
        uploaded_by=actor,
    )
    # A random stored name: the uploaded file's own name may name a person.
    attachment.file.save(f"{uuid.uuid4().hex}.{ext}", uploaded, save=False)
    attachment.save()
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=attachment,
        detail={"activity": activity.pk, "content_type": attachment.content_type, "size": attachment.size},
    )
    return attachment


def attachment_downloaded(*, actor, attachment: Attachment, request=None) -> None:
    """Attendance lists and photos can show people: every download is on the record."""
    audit_record(
        Action.EXPORT,
        request=request,
        actor=actor,
        obj=attachment,
        detail={"activity": attachment.activity_id, "attachment": attachment.pk},
    )


# --- Follow-up actions ------------------------------------------------------------------------


@transaction.atomic
def action_add(
    *, actor, activity: Activity, description: str, owner_organisation, due_on: dt.date | None, request=None
) -> FollowUpAction:
    """A decision of the meeting that an organisation must carry out by a date. A due date in
    the past is allowed: meetings are often recorded after the fact."""
    if not policy.can_record_activity(actor, activity.programme):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    description = " ".join((description or "").split())
    limit = FollowUpAction._meta.get_field("description").max_length
    if not description:
        errors.setdefault("description", []).append(_("Tuliskan tindak lanjutnya."))
    elif len(description) > limit:
        errors.setdefault("description", []).append(_("Paling banyak %(limit)d karakter.") % {"limit": limit})
    if owner_organisation is None:
        errors.setdefault("owner_organisation", []).append(_("Pilih organisasi penanggung jawab."))
    elif not owner_organisation.is_active:
        errors.setdefault("owner_organisation", []).append(_("Organisasi ini sudah nonaktif."))
    if due_on is None:
        errors.setdefault("due_on", []).append(_("Isi batas waktu."))
    if errors:
        raise ValidationError(errors)
    action = FollowUpAction.objects.create(
        activity=activity,
        programme=activity.programme,
        description=description,
        owner_organisation=owner_organisation,
        due_on=due_on,
        region_code=activity.programme.region_id,
        created_by=actor,
    )
    audit_record(
        Action.CREATE,
        request=request,
        actor=actor,
        obj=action,
        detail={
            "activity": activity.pk,
            "owner_organisation": owner_organisation.pk,
            "due_on": due_on.isoformat(),
        },
    )
    return action


@transaction.atomic
def action_update(
    *, actor, action: FollowUpAction, status: str, done_on: dt.date | None = None, note: str = "", request=None
) -> FollowUpAction:
    """Report progress: done (on a date, today if not given), cancelled, or open again."""
    if not policy.can_update_action(actor, action):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    note = " ".join((note or "").split())
    if status not in ActionStatus.values:
        errors.setdefault("status", []).append(_("Pilih status."))
    if status == ActionStatus.DONE:
        done_on = done_on or today
        if done_on > today:
            errors.setdefault("done_on", []).append(_("Tanggal selesai tidak boleh di masa depan."))
    else:
        done_on = None
    limit = FollowUpAction._meta.get_field("note").max_length
    if len(note) > limit:
        errors.setdefault("note", []).append(_("Paling banyak %(limit)d karakter.") % {"limit": limit})
    if errors:
        raise ValidationError(errors)
    changed = sorted(
        name
        for name, value in (("status", status), ("done_on", done_on), ("note", note))
        if getattr(action, name) != value
    )
    if not changed:
        return action
    action.status, action.done_on, action.note = status, done_on, note
    action.save(update_fields=changed)
    audit_record(
        Action.UPDATE,
        request=request,
        actor=actor,
        obj=action,
        detail={"fields": changed, "status": status},
    )
    return action


# --- Calendar feed ----------------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor, request=None) -> tuple[CalendarFeed, str]:
    """A new secret feed address for ``actor``; any earlier one stops working. Returns the
    feed and the token, which is not stored and cannot be shown again."""
    if not policy.has_perm(actor, policy.Perm.PROGRAMMES_VIEW):
        raise PermissionDenied
    now = timezone.now()
    CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=actor, token_hash=hash_feed_token(token))
    audit_record(Action.CREATE, request=request, actor=actor, obj=feed, detail={"feed": feed.pk})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor, request=None) -> int:
    """Stop every feed address of ``actor``; returns how many were active."""
    now = timezone.now()
    feeds = list(CalendarFeed.objects.select_for_update().filter(user=actor, revoked_at__isnull=True))
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_record(Action.DEACTIVATE, request=request, actor=actor, obj=feed, detail={"feed": feed.pk})
    return len(feeds)


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed of this token whose owner may still see programmes, else None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_feed_token(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active or not policy.has_perm(feed.user, policy.Perm.PROGRAMMES_VIEW):
        return None
    # One cheap UPDATE per fetch, so the owner can see whether the address is in use.
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed
