"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.

The census import belongs to those who manage census rounds in the round's region: the head of
Dinsos and the registrar of Kota Kupang.
"""

from accounts.models import Role

CENSUS_MANAGERS = frozenset({Role.HEAD_OF_DINSOS, Role.REGISTRAR})

ENTRIES: dict = {
    "census:import_template": (None, "get", CENSUS_MANAGERS, {}),
    "census:xlsform": (None, "get", CENSUS_MANAGERS, {}),
    "census:import_upload": ("import_round", "get", CENSUS_MANAGERS, {}),
    "census:import_detail": ("import_batch", "get", CENSUS_MANAGERS, {}),
    "census:import_progress": ("import_batch", "post", CENSUS_MANAGERS, {}),
    "census:import_resolve": ("import_row", "post", CENSUS_MANAGERS, {"resolution": "same"}),
    "census:import_apply": ("import_batch", "post", CENSUS_MANAGERS, {}),
    "census:import_cancel": ("import_batch", "post", CENSUS_MANAGERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from census.imports import encrypt_row
    from census.models import DuplicateReason, ImportBatch, ImportRow, ImportStatus, RowStatus

    batch = ImportBatch.objects.create(
        round=census_round,
        filename="uji.xlsx",
        file_ciphertext=b"",
        created_by=users[Role.REGISTRAR],
        status=ImportStatus.READY,
        total_rows=1,
        rows_read=1,
        duplicate_count=1,
    )
    # A row that may be the standing person: the detail page reveals both identities, the
    # decision is open, and applying is refused until it is made.
    row = ImportRow.objects.create(
        batch=batch,
        row_number=2,
        status=RowStatus.OK,
        data_ciphertext=encrypt_row({"full_name": "Sri Rahayu", "birth_date": "1990-06-05"}),
        duplicate_of=person,
        duplicate_reason=DuplicateReason.NAME_DOB,
    )
    return {
        "import_round": {"pk": census_round.pk},
        "import_batch": {"pk": batch.pk},
        "import_row": {"pk": row.pk},
    }
