"""Writing and verifying the audit chain. Call ``audit_record`` from services and views."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> str:
    payload = {
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_username": event.actor_username,
        "actor_region_code": event.actor_region_code,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(f"{prev_hash}|{_canonical(event)}".encode()).hexdigest()


def _client_ip(request) -> str | None:
    # Behind a reverse proxy, configure it to set REMOTE_ADDR (e.g. uwsgi/gunicorn forwarded-allow-ips).
    value = request.META.get("REMOTE_ADDR") or ""
    # The hash must cover the address as the database will return it: GenericIPAddressField
    # stores IPv6 in its canonical form ("2001:DB8:0::1" comes back as "2001:db8::1"), and
    # PostgreSQL's inet column rejects anything that is not an address.
    try:
        if ":" in value:
            return clean_ipv6_address(value)
        return str(ipaddress.IPv4Address(value))
    except (ValidationError, ValueError):
        return None


def audit_record(
    action: str,
    *,
    request=None,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the chain. ``obj`` fills type/id/label from a model instance;
    its label is ``audit_label()`` if it has one (never a person's name), else ``str()``."""
    request_user = getattr(request, "user", None)
    if actor is None and request_user is not None and request_user.is_authenticated:
        actor = request_user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        label_fn = getattr(obj, "audit_label", None)
        object_label = object_label or (label_fn() if callable(label_fn) else str(obj))
    event = AuditEvent(
        at=timezone.now(),
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        actor_region_code=(getattr(actor, "region_id", None) or "") if actor is not None else "",
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        object_label=object_label[:200],
        ip_address=_client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        detail=detail or {},
    )
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS, "count": 0}
        )
        event.prev_hash = head.last_hash
        # Round-trip the JSON so the hash covers exactly what the database will return.
        event.detail = json.loads(json.dumps(event.detail, default=str))
        event.hash = compute_hash(event.prev_hash, event)
        event.save()
        head.last_hash = event.hash
        head.count += 1
        head.save(update_fields=["last_hash", "count"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    message: str


def audit_verify(*, batch_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the chain in insertion order. Returns (rows checked, first problem or None)."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != prev:
                return checked, ChainProblem(
                    event.id,
                    f"Baris #{event.id}: rantai terputus — baris sebelumnya diubah, dihapus, atau disisipkan.",
                )
            if compute_hash(prev, event) != event.hash:
                return checked, ChainProblem(event.id, f"Baris #{event.id}: isinya diubah setelah dicatat.")
            prev = event.hash
            checked += 1
            last_id = event.id
    head = AuditHead.objects.filter(pk=1).first()
    if head is None and checked:
        # audit_record creates the head with the first event: events without it mean it was removed,
        # which would otherwise hide rows deleted from the end.
        return checked, ChainProblem(None, "Ujung rantai (AuditHead) hilang: baris terakhir tidak dapat diperiksa.")
    if head is not None and (head.last_hash != prev or head.count != checked):
        return checked, ChainProblem(
            None,
            f"Ujung rantai tidak cocok: tercatat {head.count} baris, ditemukan {checked} — "
            "baris terakhir dihapus atau ditambahkan di luar Pulih.",
        )
    return checked, None
