"""A person's identifying data: sealed into one encrypted blob, revealed only through ``reveal``.

``reveal`` is the single path from ciphertext to a readable name: it asks the policy and
writes an audit event, so every identity view is both permitted and logged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied

from audit.models import Action
from audit.services import audit_record

from .crypto import decrypt, encrypt


@dataclass
class Identity:
    full_name: str = ""
    aliases: list[str] = field(default_factory=list)
    nik: str = ""
    kk_number: str = ""
    birth_place: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    origin_address: str = ""

    @property
    def display_name(self) -> str:
        if self.aliases:
            return f"{self.full_name} (alias {', '.join(self.aliases)})"
        return self.full_name


def seal(identity: Identity) -> str:
    data = asdict(identity)
    data["birth_date"] = identity.birth_date.isoformat() if identity.birth_date else None
    return encrypt(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def unseal(ciphertext: str) -> Identity:
    if not ciphertext:
        return Identity()
    data = json.loads(decrypt(ciphertext))
    if data.get("birth_date"):
        data["birth_date"] = dt.date.fromisoformat(data["birth_date"])
    return Identity(**data)


def reveal(person, *, user, request=None, purpose: str = "view") -> Identity:
    """The person's identity for an allowed user; audited as a view (or export)."""
    from access.policy import can_view_identity

    if not can_view_identity(user, person):
        audit_record(
            Action.PERMISSION_DENIED,
            request=request,
            actor=user,
            obj=person,
            detail={"wanted": "identity", "purpose": purpose},
        )
        raise PermissionDenied
    action = Action.EXPORT_IDENTITY if purpose == "export" else Action.VIEW_IDENTITY
    audit_record(action, request=request, actor=user, obj=person, detail={"purpose": purpose})
    return unseal(person.identity_ciphertext)
