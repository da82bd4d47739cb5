"""Free text written about a person (work history, family, notes) is encrypted like identity:
case workers write names into it. Read it only for users who may see the case."""

from __future__ import annotations

import json

from people.crypto import decrypt, encrypt


def seal_text(data: dict | str) -> str:
    if not data:
        return ""
    return encrypt(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def unseal_text(ciphertext: str) -> dict | str:
    if not ciphertext:
        return {}
    return json.loads(decrypt(ciphertext))
