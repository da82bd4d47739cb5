"""What is encrypted or hashed with the keys, for rotation (`manage.py reencrypt`)."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction


def ENCRYPTED_FIELDS() -> list[tuple[type, str]]:
    """Every (model, field) holding a value encrypted under PULIH_FIELD_KEYS. A new encrypted field
    must be listed here, or key rotation would leave it under a retired key."""
    return [
        (apps.get_model("people", "Person"), "identity_ciphertext"),
        (apps.get_model("census", "ImportBatch"), "file_ciphertext"),
        (apps.get_model("census", "ImportRow"), "data_ciphertext"),
        (apps.get_model("grievances", "Grievance"), "complainant_ciphertext"),
        (apps.get_model("sites", "Wisma"), "owner_ciphertext"),
        (apps.get_model("cases", "Assessment"), "narrative_ciphertext"),
        (apps.get_model("cases", "FollowUp"), "note_ciphertext"),
        (apps.get_model("cases", "CaseNote"), "text_ciphertext"),
    ]


def reindex_people(*, batch: int = 2000) -> int:
    """Recompute every blind index from the decrypted identity (in memory only)."""
    from .identity import unseal
    from .models import Person
    from .services import apply_identity_hashes, replace_name_tokens

    done = 0
    last_pk = 0
    while True:
        people = list(Person.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not people:
            return done
        with transaction.atomic():
            for person in people:
                identity = unseal(person.identity_ciphertext)
                apply_identity_hashes(person, identity)
                replace_name_tokens(person, identity)
            Person.objects.bulk_update(people, ["nik_hash", "name_dob_hash", "phone_hash"])
        done += len(people)
        last_pk = people[-1].pk
