"""Rewrite every encrypted value under the newest key in PULIH_FIELD_KEYS.

Key rotation: put the new key first in PULIH_FIELD_KEYS (keep the old ones after it), deploy,
run `manage.py reencrypt`, then remove the old keys. ``--reindex`` also recomputes the blind
indexes (after changing PULIH_INDEX_KEY or the name normalisation rules).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from people.crypto import field_cipher
from people.keys import ENCRYPTED_FIELDS, reindex_people

BATCH = 2000


class Command(BaseCommand):
    help = "Enkripsi ulang semua data identitas dengan kunci terbaru (rotasi kunci)."

    def add_arguments(self, parser):
        parser.add_argument("--reindex", action="store_true", help="Hitung ulang indeks buta (NIK, nama, telepon).")

    def handle(self, *args, reindex: bool = False, **options):
        cipher = field_cipher()
        for model, field_name in ENCRYPTED_FIELDS():
            rewritten = 0
            binary = model._meta.get_field(field_name).get_internal_type() == "BinaryField"
            empty = b"" if binary else ""
            qs = model.objects.exclude(**{field_name: empty}).only("pk", field_name).order_by("pk")
            last_pk = 0
            while True:
                # Keyset pagination: constant memory and no long-running transaction on a big table.
                rows = list(qs.filter(pk__gt=last_pk)[:BATCH])
                if not rows:
                    break
                for row in rows:
                    value = getattr(row, field_name)
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if isinstance(value, bytes):
                        # An import file is stored as several tokens, one per line (census/imports.py).
                        tokens = [cipher.rotate(token) for token in value.split(b"\n") if token]
                        setattr(row, field_name, b"\n".join(tokens))
                    else:
                        setattr(row, field_name, cipher.rotate(value.encode("ascii")).decode("ascii"))
                with transaction.atomic():
                    model.objects.bulk_update(rows, [field_name])
                rewritten += len(rows)
                last_pk = rows[-1].pk
            self.stdout.write(f"{model._meta.label}.{field_name}: {rewritten}")
        if reindex:
            count = reindex_people(batch=BATCH)
            self.stdout.write(f"indeks buta dihitung ulang: {count} orang")
        self.stdout.write(self.style.SUCCESS("Selesai."))
