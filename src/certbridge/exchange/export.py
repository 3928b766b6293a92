"""Export: a department gets its own records back in the profile it sends, with the clear
ID number unsealed (only here, only for its own records)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog
from certbridge.errors import InputError
from certbridge.exchange.profile import Profile
from certbridge.exchange.rules import STATE_LABELS
from certbridge.registry.models import Certificate, IssuingAuthority, Person
from certbridge.registry.sealing import unseal
from certbridge.registry.service import Keys


def export_rows(
    session: Session,
    profile: Profile,
    *,
    scheme: str,
    keys: Keys,
    province_code: str | None = None,
) -> Iterator[dict[str, str]]:
    """Rows {header: text} of every certificate of `scheme` (in one province if given)."""
    catalog = load_catalog()
    scheme_info = catalog.scheme(scheme)
    if profile.kind != "certificates":
        raise InputError("export.profile", "名单格式不能用于导出证书", field="profile")
    if profile.schemes and scheme not in profile.schemes:
        message = f"导入格式“{profile.name_zh}”不含{scheme_info.name_zh}"
        raise InputError("export.profile", message, field="profile")
    statement = (
        select(Certificate, Person.id_sealed, Person.name, IssuingAuthority.name)
        .join(Person, Certificate.person_id == Person.id)
        .join(IssuingAuthority, Certificate.issuer_id == IssuingAuthority.id)
        .where(Certificate.scheme == scheme)
        .order_by(Certificate.id)
        .execution_options(yield_per=2000)
    )
    if province_code:
        statement = statement.where(IssuingAuthority.province_code == province_code)
    for certificate, sealed, name, issuer in session.execute(statement):
        id_number = unseal(sealed, keys.seal_key)
        values = _values(certificate, id_number, name, issuer, scheme_info.number_format)
        yield {c.label: values.get(c.field, "") for c in profile.columns}


def _values(
    certificate: Certificate, id_number: str, name: str, issuer: str, number_format: str
) -> dict[str, str]:
    catalog = load_catalog()
    cert_type = catalog.types[certificate.type_code]
    level = catalog.levels[certificate.level].label if certificate.level else ""
    return {
        "name": name,
        "id_number": id_number,
        "number": _clear_number(certificate.number_display, id_number, number_format),
        "type": cert_type.name_zh,
        "category": cert_type.category_name_zh or "",
        "level": level,
        "issuer": issuer,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else "",
        "status": STATE_LABELS[certificate.state],
    }


def _clear_number(display: str, id_number: str, number_format: str) -> str:
    """Numbers that embed the ID number are stored masked: rebuild them from the ID."""
    if number_format == "special_operation_t_id":
        return "T" + id_number
    if number_format == "id_number_18":
        return id_number
    return display


def write_export(rows: Iterator[dict[str, str]], profile: Profile, fmt: str, out: IO[str]) -> int:
    headers = [c.label for c in profile.columns]
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise InputError("export.format", "导出格式应为 csv 或 jsonl", field="format")
    return count


def rejected_csv(
    header: list[str], rows: Iterator[tuple[int, dict[str, Any], str]]
) -> Iterator[list[str]]:
    """Quarantined rows as CSV records: the original columns, then 原行号 and 错误原因,
    so a department can fix them and import the file again."""
    yield [*header, "原行号", "错误原因"]
    for number, raw, reasons in rows:
        yield [*(_cell(raw.get(h)) for h in header), str(number), reasons]


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
