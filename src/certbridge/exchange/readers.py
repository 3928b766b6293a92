"""Readers: CSV (UTF-8 with or without BOM, GBK, GB18030), XLSX and JSON Lines. Pure.

`inspect_file` reads the whole file once in fixed-size blocks (constant memory): its
SHA-256 (the identity of an import run), whether it is binary, and which encoding
decodes all of it. Every refusal of the file as a whole happens there or in
`open_table`, before an import writes anything. Rows are then streamed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from certbridge.errors import InputError
from certbridge.exchange.profile import Profile, normalize_header

Format = Literal["csv", "xlsx", "jsonl"]
BLOCK = 1 << 20
HEADER_SEARCH_ROWS = 20
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gbk"}
ENCODINGS |= {"gb18030": "gb18030", "gb2312": "gbk", "cp936": "gbk"}
_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_CANDIDATES = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312
csv.field_size_limit(1 << 20)


def _refuse(code: str, message: str) -> InputError:
    return InputError(code, message, field="file")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    format: Format
    encoding: str | None  # None for XLSX
    sha256: str
    size: int


def inspect_file(
    path: Path, *, encoding: str | None = None, file_format: str | None = None
) -> SourceFile:
    """Hash, format and encoding of `path`, or InputError naming why it cannot be read."""
    if not path.is_file():
        raise _refuse("file.missing", f"文件“{path.name}”不存在")
    size = path.stat().st_size
    if size == 0:
        raise _refuse("file.empty", f"文件“{path.name}”为空（0字节）")
    with path.open("rb") as stream:
        head = stream.read(8192)
    fmt = _format(path, head, file_format)
    declared = _declared(encoding) if encoding else None
    if fmt == "xlsx":
        return SourceFile(path, path.name, fmt, None, _sha256_only(path), size)
    if b"\x00" in head:
        raise _refuse("file.binary", f"文件“{path.name}”含二进制内容，不是文本（CSV/JSONL）文件")
    digest, chosen = _hash_and_decode(path, declared, head)
    return SourceFile(path, path.name, fmt, chosen, digest, size)


def _format(path: Path, head: bytes, declared: str | None) -> Format:
    if declared:
        if declared not in ("csv", "xlsx", "jsonl"):
            raise _refuse("file.format", f"未知的文件格式“{declared}”，可选：csv、xlsx、jsonl")
        fmt: Format = declared  # type: ignore[assignment]
    else:
        fmt = _EXTENSIONS.get(path.suffix.lower()) or (
            "xlsx" if head.startswith(b"PK\x03\x04") else "csv"
        )
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        raise _refuse("file.xlsx_invalid", f"文件“{path.name}”不是有效的XLSX文件")
    if fmt != "xlsx" and head.startswith(b"PK\x03\x04"):
        raise _refuse("file.binary", f"文件“{path.name}”是压缩包或XLSX，不是{fmt.upper()}文本")
    return fmt


def _declared(encoding: str) -> str:
    name = ENCODINGS.get(encoding.strip().lower())
    if name is None:
        raise _refuse(
            "file.encoding_unknown", f"不支持的编码“{encoding}”，可选：utf-8、gbk、gb18030"
        )
    return name


def _sha256_only(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _hash_and_decode(path: Path, declared: str | None, head: bytes) -> tuple[str, str]:
    """One pass: the SHA-256 and the first candidate encoding that decodes every byte."""
    if declared is None and head.startswith(codecs.BOM_UTF8):
        declared = "utf-8-sig"
    names = (declared,) if declared else _CANDIDATES
    decoders = {name: codecs.getincrementaldecoder(name)() for name in names}
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            digest.update(block)
            decoders = _still_decoding(decoders, block, final=False)
    decoders = _still_decoding(decoders, b"", final=True)
    if not decoders:
        if declared:
            raise _refuse(
                "file.encoding", f"文件“{path.name}”不能按声明的编码{declared}解码，请核对编码"
            )
        raise _refuse(
            "file.encoding",
            f"无法判断文件“{path.name}”的编码（不是UTF-8，也不是GBK/GB18030），"
            "请用 --encoding 指明",
        )
    return digest.hexdigest(), next(iter(decoders))


def _still_decoding(
    decoders: dict[str, codecs.IncrementalDecoder], block: bytes, *, final: bool
) -> dict[str, codecs.IncrementalDecoder]:
    alive = {}
    for name, decoder in decoders.items():
        try:
            decoder.decode(block, final)
        except UnicodeDecodeError:
            continue
        alive[name] = decoder
    return alive


# ---------------------------------------------------------------- tables

Row = dict[str, Any]


@dataclass
class Table:
    """Rows of a file as {header: value}, with the profile's fields located."""

    header: tuple[str, ...]
    fields: dict[str, str]  # profile field -> header as written in the file
    rows: Iterator[tuple[int, Row]]
    ignored: tuple[str, ...] = field(default=())


def open_table(source: SourceFile, profile: Profile, *, sheet: str | None = None) -> Table:
    """Locate the header (any of the first rows), map the profile's columns, check that
    there is at least one data row. Raises InputError for a file that cannot be imported."""
    if source.format == "jsonl":
        return _jsonl_table(source, profile)
    records = _xlsx_records(source, sheet) if source.format == "xlsx" else _csv_records(source)
    header = _find_header(source, profile, records)
    fields, ignored = _map_fields(profile, header)
    rows = _data_rows(records, header)
    first = next(rows, None)
    if first is None:
        raise _refuse("file.no_rows", f"文件“{source.name}”只有表头，没有数据行")
    return Table(tuple(header), fields, chain([first], rows), ignored)


def _csv_records(source: SourceFile) -> Iterator[tuple[int, list[Any]]]:
    with source.path.open(encoding=source.encoding, newline="") as stream:
        yield from enumerate(csv.reader(stream), start=1)


def _xlsx_records(source: SourceFile, sheet: str | None) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # heavy import, only for spreadsheets

    try:
        book = load_workbook(source.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse(
            "file.xlsx_invalid", f"XLSX文件“{source.name}”已损坏或不完整（{type(exc).__name__}）"
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            names = "、".join(book.sheetnames)
            raise _refuse("file.sheet", f"工作表“{sheet}”不存在，可选：{names}")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
            raise _refuse(
                "file.xlsx_invalid", f"XLSX文件“{source.name}”读取中断（{type(exc).__name__}）"
            ) from None
    finally:
        book.close()


def _is_blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _find_header(
    source: SourceFile, profile: Profile, records: Iterator[tuple[int, list[Any]]]
) -> list[str]:
    seen: list[list[Any]] = []
    for _number, values in records:
        if _is_blank(values):
            continue
        names = [normalize_header(v) for v in values]
        if all(any(normalize_header(h) in names for h in c.headers) for c in profile.required):
            return ["" if v is None else str(v).strip() for v in values]
        seen.append(values)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    raise _missing_columns(source, profile, seen[0] if seen else [])


def _missing_columns(source: SourceFile, profile: Profile, first: list[Any]) -> InputError:
    names = {normalize_header(v) for v in first}
    missing = [
        c.label
        for c in profile.required
        if not any(normalize_header(h) in names for h in c.headers)
    ]
    if not first:
        return _refuse("file.no_header", f"文件“{source.name}”没有表头行")
    hint = ""
    joined = "".join(str(v) for v in first if v is not None)
    if source.format == "csv" and len(first) <= 2 and any(d in joined for d in ";\t|，"):
        hint = "；表头似乎使用了其他分隔符，标准格式应以英文逗号分隔"
    return _refuse(
        "file.missing_columns",
        f"文件“{source.name}”缺少必填列：{'、'.join(missing)}（格式：{profile.name_zh}）{hint}",
    )


def _map_fields(profile: Profile, header: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    by_name = {normalize_header(h): h for h in header if h}
    fields: dict[str, str] = {}
    for column in profile.columns:
        for spelling in column.headers:
            found = by_name.get(normalize_header(spelling))
            if found is not None:
                fields[column.field] = found
                break
    used = set(fields.values())
    return fields, tuple(h for h in header if h and h not in used)


def _data_rows(
    records: Iterator[tuple[int, list[Any]]], header: list[str]
) -> Iterator[tuple[int, Row]]:
    width = len(header)
    for number, values in records:
        if _is_blank(values):
            continue
        row: Row = dict(zip(header, values, strict=False))
        if len(values) > width:
            extra = values[width:]
            if not _is_blank(extra):
                row["_extra"] = extra
        yield number, row


def _jsonl_table(source: SourceFile, profile: Profile) -> Table:
    rows = _jsonl_rows(source)
    first = next(rows, None)
    if first is None:
        raise _refuse("file.no_rows", f"文件“{source.name}”没有数据行")
    header = [str(k) for k in first[1]]
    if not all(
        any(normalize_header(h) in map(normalize_header, header) for h in c.headers)
        for c in profile.required
    ):
        raise _missing_columns(source, profile, list(header))
    fields, ignored = _map_fields(profile, header)
    return Table(tuple(header), fields, chain([first], rows), ignored)


def _jsonl_rows(source: SourceFile) -> Iterator[tuple[int, Row]]:
    with source.path.open(encoding=source.encoding) as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            yield number, _json_object(source, number, line)


def _json_object(source: SourceFile, number: int, line: str) -> Row:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return {"_invalid_json": line.rstrip("\r\n")}
    if not isinstance(value, Mapping):
        return {"_invalid_json": line.rstrip("\r\n")}
    return dict(value)
