"""Any CSV file into engine records, through a column mapping.

    --map "name=nama,dob=tgl_lahir,nik=nik,phone=hp,region=kab"
    --map "id=rec_id,name=given_name+surname,dob=date_of_birth,nik=soc_sec_id,region=postcode,suburb=suburb"

Keys: ``id`` (default: a column named id, else the row number), ``name`` (several columns joined
with "+" or by repeating the key), ``alias`` (several allowed; "|" or ";" inside a cell separates
aliases), ``dob``, ``nik`` (any identity number), ``phone``, ``region``; any other key becomes a
generic text field compared exactly and by Jaro–Winkler (address, suburb…).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .features import Record

KNOWN = {"id", "name", "alias", "dob", "nik", "phone", "region"}


def parse_mapping(text: str) -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ValueError(f"Bad mapping {part!r}: expected key=column")
        key, columns = (s.strip() for s in part.split("=", 1))
        mapping.setdefault(key, []).extend(c.strip() for c in columns.split("+") if c.strip())
    if "name" not in mapping and "nik" not in mapping:
        raise ValueError("Map at least a name or a NIK column.")
    return mapping


def read_records(path: Path, mapping: dict[str, list[str]], *, source: int = 0) -> list[Record]:
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        missing = sorted({c for cols in mapping.values() for c in cols} - set(header))
        if missing:
            raise ValueError(f"{path}: no column(s) {', '.join(missing)} (has: {', '.join(header)})")
        id_columns = mapping.get("id") or (["id"] if "id" in header else [])
        records = []
        for number, row in enumerate(reader, start=1):

            def cell(key, row=row):
                values = ((row.get(c) or "").strip() for c in mapping.get(key, ()))
                return " ".join(v for v in values if v)

            aliases = []
            for column in mapping.get("alias", ()):
                aliases += [a.strip() for a in re.split(r"[|;]", row.get(column) or "") if a.strip()]
            record_id = " ".join((row.get(c) or "").strip() for c in id_columns) if id_columns else str(number)
            records.append(
                Record(
                    id=record_id,
                    name=cell("name"),
                    aliases=aliases,
                    birth_date=cell("dob").replace(" ", ""),
                    nik=cell("nik"),
                    phone=cell("phone"),
                    region=cell("region"),
                    source=source,
                    extra={key: cell(key) for key in mapping if key not in KNOWN},
                )
            )
    return records


def read_truth(path: Path) -> set[tuple[str, str]]:
    """True links: a CSV of two id columns (a header row is skipped when it is not ids)."""
    pairs = set()
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.reader(fh):
            if len(row) < 2:
                continue
            a, b = row[0].strip(), row[1].strip()
            pairs.add((a, b))
    return pairs
