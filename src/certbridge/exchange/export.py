"""Export: a department gets its own records back in the profile it sends, with the clear
ID number unsealed (only here, only for its own records).

An export is what other departments' systems load, so each row says what holds on the
export date, by the same lifecycle code as the query: the status in force (有效, 待复审,
已失效, 暂停 …), 有效期至 as the recorded reviews extended it, the review history of schemes
that have reviews (最近复审日期, 下次复审日期, in the scheme's own word) and the export date
(导出日期). Values are written verbatim: the file is for systems, not for people, and must
import back unchanged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import chain, groupby
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certbridge import clock
from certbridge.catalog import Scheme, load_catalog, review_walk, settle_reviews
from certbridge.errors import InputError
from certbridge.exchange.profile import Profile
from certbridge.registry.lifecycle import Event, status_on
from certbridge.registry.models import Certificate, CertificateEvent, IssuingAuthority, Person
from certbridge.registry.sealing import unseal
from certbridge.registry.service import Keys

EXPORT_DATE_HEADER = "导出日期"
# Statuses after which no review is due any more (as in the query's review history).
_NO_REVIEW_DUE = frozenset({"revoked", "cancelled", "not_issued"})


def export_headers(profile: Profile, scheme: Scheme) -> list[str]:
    """The profile's columns, then the export's own: the review dates (schemes with
    reviews, in their word: 最近复审日期, 下次延期复核日期 …) and 导出日期. An import
    ignores the export's own columns (they are derived, never read)."""
    headers = [c.label for c in profile.columns]
    word = scheme.validity.review_kind_zh
    if word is not None:
        headers += [f"最近{word}日期", f"下次{word}日期"]
    return [*headers, EXPORT_DATE_HEADER]


def export_rows(
    session: Session,
    profile: Profile,
    *,
    scheme: str,
    keys: Keys,
    province_code: str | None = None,
    as_of: date | None = None,
) -> Iterator[dict[str, str]]:
    """Rows {header: text} of every certificate of `scheme` (in one province if given), as
    they stand on `as_of` (default: today, China's date)."""
    catalog = load_catalog()
    scheme_info = catalog.scheme(scheme)
    if profile.kind != "certificates":
        raise InputError("export.profile", "名单格式不能用于导出证书", field="profile")
    if profile.schemes and scheme not in profile.schemes:
        message = f"导入格式“{profile.name_zh}”不含{scheme_info.name_zh}"
        raise InputError("export.profile", message, field="profile")
    on = as_of or clock.today()
    headers = export_headers(profile, scheme_info)
    fields = [(c.label, c.field) for c in profile.columns]
    statement = (
        select(
            Certificate.id,
            Certificate.number_display,
            Certificate.type_code,
            Certificate.level,
            Certificate.issued_on,
            Certificate.valid_until,
            Certificate.employer,
            Person.id_sealed,
            Person.name,
            IssuingAuthority.name,
            CertificateEvent.kind,
            CertificateEvent.effective_on,
            CertificateEvent.reason,
            CertificateEvent.word,
        )
        .join(Person, Certificate.person_id == Person.id)
        .join(IssuingAuthority, Certificate.issuer_id == IssuingAuthority.id)
        .outerjoin(CertificateEvent, CertificateEvent.certificate_id == Certificate.id)
        .where(Certificate.scheme == scheme)
        .order_by(Certificate.id, CertificateEvent.id)
        .execution_options(yield_per=2000)
    )
    if province_code:
        statement = statement.where(IssuingAuthority.province_code == province_code)
    # One row per event, in certificate order: a certificate's rows come together.
    for _id, group in groupby(session.execute(statement), key=lambda row: row[0]):
        rows = list(group)
        values = _values(rows, scheme_info, keys, on)
        derived = values.pop("_derived")
        row = {label: values.get(field, "") for label, field in fields}
        yield dict(zip(headers, [*row.values(), *derived], strict=True))


def _values(rows: Sequence[Any], scheme: Scheme, keys: Keys, on: date) -> dict[str, Any]:
    """One certificate's values from its rows (one per event), on the export date."""
    first: tuple[Any, ...] = tuple(rows[0])
    _, display, type_code, level, issued, printed_until, employer, sealed, name, issuer = first[:10]
    events = [
        Event(r.kind, r.effective_on, r.reason or "", r.word or "")
        for r in rows
        if r.kind is not None
    ]
    catalog = load_catalog()
    cert_type = catalog.types[type_code]
    rule = scheme.validity
    status = status_on(
        rule,
        issued=issued,
        valid_until=printed_until,
        events=events,
        as_of=on,
        words=scheme.status_words,
    )
    reviews = [e.effective_on for e in events if e.kind == "reviewed" and e.effective_on <= on]
    # 有效期至 in force: the printed date as the reviews recorded by the export date extended
    # it (a suspension changes the standing, never this date).
    until = settle_reviews(rule, issued=issued, valid_until=printed_until, reviews=reviews)[1]
    id_number = unseal(sealed, keys.seal_key)
    derived = []
    if rule.review_kind_zh is not None:
        steps = review_walk(rule, issued=issued, valid_until=printed_until, reviews=reviews)
        done = [s.done_on for s in steps if s.done_on is not None]
        unmet = steps[-1].due if steps and steps[-1].done_on is None else None
        if status.code in _NO_REVIEW_DUE:
            unmet = None
        derived += [_iso(done[-1] if done else None), _iso(unmet)]
    derived.append(on.isoformat())
    return {
        "name": name,
        "id_number": id_number,
        "number": _clear_number(display, id_number, scheme.number_format),
        "type": cert_type.name_zh,
        "category": cert_type.category_name_zh or "",
        "level": catalog.levels[level].label if level else "",
        "issuer": issuer,
        "issued_on": issued.isoformat(),
        "valid_until": _iso(until),
        "status": status.label,
        "employer": employer or "",
        "_derived": derived,
    }


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _clear_number(display: str, id_number: str, number_format: str) -> str:
    """Numbers that embed the ID number are stored masked: rebuild them from the ID."""
    if number_format == "special_operation_t_id":
        return "T" + id_number
    if number_format == "id_number_18":
        return id_number
    return display


def write_export(rows: Iterator[dict[str, str]], profile: Profile, fmt: str, out: IO[str]) -> int:
    """Write the rows of `export_rows` (their keys are the header); an empty export has the
    profile's columns and 导出日期."""
    if fmt not in ("csv", "jsonl"):
        raise InputError("export.format", "导出格式应为 csv 或 jsonl", field="format")
    first = next(rows, None)
    headers = list(first) if first else [*(c.label for c in profile.columns), EXPORT_DATE_HEADER]
    everything = rows if first is None else chain([first], rows)
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\n")
        writer.writeheader()
        for row in everything:
            writer.writerow(row)
            count += 1
    else:
        for row in everything:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count
