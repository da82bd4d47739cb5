"""A wisma owner's name, phone and address: sealed into one encrypted blob, revealed only
through ``reveal_owner``.

Owners are identifiable people (DOMAIN.md: protected like residents), so this mirrors
``people.identity``: ``reveal_owner`` asks the policy and writes an audit event, and the audit
detail never carries the values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied

from access import policy
from audit.models import Action
from audit.services import audit_record
from people.crypto import decrypt, encrypt


@dataclass(frozen=True)
class WismaOwner:
    name: str = ""
    phone: str = ""
    address: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.address)


def seal_owner(owner: WismaOwner | None) -> str:
    """The encrypted blob; empty when nothing is known about the owner."""
    if owner is None or owner.is_empty:
        return ""
    return encrypt(json.dumps(asdict(owner), ensure_ascii=False, separators=(",", ":")))


def unseal_owner(ciphertext: str) -> WismaOwner:
    if not ciphertext:
        return WismaOwner()
    data = json.loads(decrypt(ciphertext))
    return WismaOwner(**{key: data.get(key, "") for key in ("name", "phone", "address")})


def reveal_owner(wisma, *, user, request=None, purpose: str = "view") -> WismaOwner:
    """The owner of ``wisma`` for an allowed user; audited as an identity view.
    ``purpose`` is "view" (the reveal button) or "edit" (the edit form pre-filled)."""
    if not policy.can_view_wisma_owner(user, wisma.site):
        audit_record(
            Action.PERMISSION_DENIED,
            request=request,
            actor=user,
            obj=wisma,
            detail={"wanted": "owner", "purpose": purpose},
        )
        raise PermissionDenied
    detail = {"field": "owner"} if purpose == "view" else {"field": "owner", "purpose": purpose}
    audit_record(Action.VIEW_IDENTITY, request=request, actor=user, obj=wisma, detail=detail)
    return unseal_owner(wisma.owner_ciphertext)
