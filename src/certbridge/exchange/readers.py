"""Readers: CSV (UTF-8 with or without BOM, GBK, GB18030), XLSX and JSON Lines. Pure.

`inspect_file` reads the whole file once in fixed-size blocks (constant memory): its
SHA-256 (the identity of an import run), whether it is binary, which encoding decodes
all of it, and for XLSX whether the workbook's parts fit the size limit. Every refusal
of the file as a whole that can be known before rows are read happens there or in
`open_table`, before an import writes anything. Rows are then streamed.

Everything read is bounded by `Limits`. A row that breaks a limit (too long, a cell too
long, too many cells, JSON too deep or a number with too many digits, a quote that
swallows the lines after it) is handed on with its problems under `PROBLEMS`: the
import rejects it into quarantine, naming the row. Only what stops the reading of the
file (a broken workbook, too many cells) raises `ReadError`, naming the row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import zipfile
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Any, Literal
from xml.parsers import expat

from certbridge.errors import InputError
from certbridge.exchange.profile import Profile, normalize_header

Format = Literal["csv", "xlsx", "jsonl"]
BLOCK = 1 << 20
HEADER_SEARCH_ROWS = 20
HEADER_CHARS = 200  # one header cell (headers are stored with the run)
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
# Lines are bounded before the csv module sees them (`_Lines`), so its own field limit
# only has to let any bounded line through.
csv.field_size_limit(2**31 - 1)

PROBLEMS = "_problems"  # key of a row's reading problems: [{code, message, column, value}]
UNREAD = "原始内容"  # key of the text of a record that could not be read as cells
KEEP_CHARS = 1_000  # a longer value is kept as its start and its length
# A leading character that makes a spreadsheet read a cell as a formula (OWASP's CSV
# injection list, with the full-width forms a Chinese input method types).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0＝＋－＠")


@dataclass(frozen=True)
class Limits:
    """How much of a file is read. Defaults are the settings' (CERTBRIDGE_IMPORT_*)."""

    line_chars: int = 65_536  # one CSV or JSON line, or the cells of one row together
    field_chars: int = 4_096  # one cell or JSON string
    columns: int = 256  # cells in one row (and the header)
    cells: int = 50_000_000  # cells in one file, empty spreadsheet rows counted as one
    json_depth: int = 32  # nesting of one JSON line
    number_digits: int = 64  # digits of one JSON number
    xlsx_bytes: int = 256 << 20  # a workbook's parts together, uncompressed


_CLIPPED = "…（已截断，原长"


def clip(text: str, length: int | None = None) -> str:
    """A value as quarantine keeps it: whole up to KEEP_CHARS, else its start and length
    (`length`, when `text` is already only the start). Clipping twice changes nothing."""
    if length is None:
        if len(text) <= KEEP_CHARS or text.startswith(_CLIPPED, KEEP_CHARS):
            return text
        length = len(text)
    return f"{text[:KEEP_CHARS]}{_CLIPPED}{length}字符）"


def unguard(value: str) -> str:
    """A cell written with a leading ' to keep a spreadsheet from reading it as a formula
    (rejected-row files) reads back as the value itself."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _refuse(code: str, message: str) -> InputError:
    return InputError(code, message, field="file")


class ReadError(InputError):
    """The file cannot be read past `row`: the import stops there (rows before it stand)."""

    def __init__(self, code: str, message: str, row: int) -> None:
        super().__init__(code, message, field="file")
        self.row = row


def _problem(
    code: str, message: str, column: str | None = None, value: str | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "column": column, "value": value}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str
    format: Format
    encoding: str | None  # None for XLSX
    sha256: str
    size: int


def inspect_file(
    path: Path,
    *,
    encoding: str | None = None,
    file_format: str | None = None,
    limits: Limits | None = None,
) -> SourceFile:
    """Hash, format and encoding of `path`, or InputError naming why it cannot be read."""
    limits = limits or Limits()
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
        _check_workbook_size(path, limits)
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


def _check_workbook_size(path: Path, limits: Limits) -> None:
    """The sizes a workbook's parts declare bound what unzipping them yields (zipfile stops
    at the declared size), so checking them first keeps a small file from unpacking huge."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except Exception:  # a hostile archive breaks zipfile in many ways (even NotImplementedError)
        raise _refuse("file.xlsx_invalid", f"XLSX文件“{path.name}”已损坏或不完整") from None
    if total > limits.xlsx_bytes:
        raise _refuse(
            "file.xlsx_too_large",
            f"XLSX文件“{path.name}”解压后共{total}字节，超过上限{limits.xlsx_bytes}字节；"
            "请拆分文件或改用CSV",
        )


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


@dataclass(frozen=True)
class Refused:
    """A record that could not be read as cells, with why (kept as one text)."""

    problems: list[dict[str, Any]]
    text: str


Record = tuple[int, list[Any] | Refused]


@dataclass
class Table:
    """Rows of a file as {header: value}, with the profile's fields located."""

    header: tuple[str, ...]
    fields: dict[str, str]  # profile field -> header as written in the file
    rows: Iterator[tuple[int, Row]]
    ignored: tuple[str, ...] = field(default=())


def open_table(
    source: SourceFile,
    profile: Profile,
    *,
    sheet: str | None = None,
    limits: Limits | None = None,
) -> Table:
    """Locate the header (any of the first rows), map the profile's columns, check that
    there is at least one data row. Raises InputError for a file that cannot be imported."""
    limits = limits or Limits()
    if source.format == "jsonl":
        return _jsonl_table(source, profile, limits)
    if source.format == "xlsx":
        records = _xlsx_records(source, sheet, limits)
    else:
        records = _csv_records(source, limits)
    where, header = _find_header(source, profile, records)
    _check_header(source, header, limits, f"第{where}行")
    fields, ignored = map_fields(profile, header)
    rows = _data_rows(records, header, limits, texts_only=source.format == "csv")
    first = next(rows, None)
    if first is None:
        raise _refuse("file.no_rows", f"文件“{source.name}”只有表头，没有数据行")
    return Table(tuple(header), fields, chain([first], rows), ignored)


class _Cut:
    """A physical line longer than the limit, skipped: its start and its length."""

    def __init__(self, start: str, length: int) -> None:
        self.start, self.length = start, length


class _TooLong(Exception):
    def __init__(self, number: int, cut: _Cut) -> None:
        super().__init__("line too long")
        self.number, self.cut = number, cut


class _Swallowing(Exception):
    """A quoted field went on past the end of its line."""


class _Lines:
    """Physical lines of a text stream for csv.reader, none longer than `limit`.

    Keeps the lines of the record being read: a record that ran over several lines
    (a quote left open) is reported at its first line, and the lines after it are
    read again as rows of their own, so no row is swallowed."""

    def __init__(self, stream: IO[str], limit: int) -> None:
        self.stream, self.limit = stream, limit
        self.count = 0  # physical lines read from the stream
        self.again: deque[tuple[int, str | _Cut]] = deque()
        self.record: list[tuple[int, str]] = []
        self.chars = 0

    def __iter__(self) -> _Lines:
        return self

    def start(self) -> None:
        self.record, self.chars = [], 0

    def __next__(self) -> str:
        number, line = self.again.popleft() if self.again else self._read()
        if isinstance(line, _Cut):
            if self.record:  # the record before it ran into it: that one first
                self.again.appendleft((number, line))
                raise _Swallowing
            raise _TooLong(number, line)
        self.record.append((number, line))
        self.chars += len(line)
        if len(self.record) > 1 and self.chars > self.limit:
            raise _Swallowing
        return line

    def _read(self) -> tuple[int, str | _Cut]:
        line = self.stream.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.count += 1
        if len(line) > self.limit and line[-1] not in "\r\n":
            start, length = line[:KEEP_CHARS], len(line)
            while line and line[-1] not in "\r\n":  # skip the rest, in bounded pieces
                line = self.stream.readline(BLOCK)
                length += len(line.rstrip("\r\n"))
            return self.count, _Cut(start, length)
        return self.count, line

    def put_back_after_first(self) -> tuple[int, str]:
        """The record's first line; its other lines will be read again."""
        if not self.record:
            return self.count, ""
        first, *rest = self.record
        self.again.extendleft(reversed(rest))
        return first


def _csv_records(source: SourceFile, limits: Limits) -> Iterator[Record]:
    with source.path.open(encoding=source.encoding, newline="") as stream:
        lines = _Lines(stream, limits.line_chars)
        yield from _bounded_csv(lines, limits)


def _bounded_csv(lines: _Lines, limits: Limits) -> Iterator[Record]:
    reader = csv.reader(lines)
    while True:
        lines.start()
        try:
            values = next(reader)
        except StopIteration:
            return
        except _TooLong as too_long:
            yield too_long.number, _too_long_line(too_long.cut, limits)
        except _Swallowing:
            yield _open_quote(lines.put_back_after_first())
        except csv.Error:
            number, line = lines.put_back_after_first()
            text = clip(line.rstrip("\r\n"))
            problem = _problem("row.unreadable", "本行无法按CSV读取（含空字符等）", None, text)
            yield number, Refused([problem], text)
        else:
            if len(lines.record) > 1:
                yield _open_quote(lines.put_back_after_first())
            else:
                yield lines.record[0][0], values
            continue
        reader = csv.reader(lines)  # a fresh reader after a refused record


def _too_long_line(cut: _Cut, limits: Limits) -> Refused:
    message = f"本行有{cut.length}个字符，超过每行上限{limits.line_chars}个字符，未读取"
    return Refused([_problem("row.too_long", message)], clip(cut.start, cut.length))


def _open_quote(first: tuple[int, str]) -> Record:
    number, line = first
    message = (
        f"第{number}行的引号没有闭合（或单元格内有换行），其后的行被读进了同一个单元格；"
        "本行未导入，其后的行已单独读取"
    )
    text = clip(line.rstrip("\r\n"))
    return number, Refused([_problem("row.unterminated_quote", message, None, text)], text)


def _xlsx_records(source: SourceFile, sheet: str | None, limits: Limits) -> Iterator[Record]:
    # The file is ours to close: openpyxl may leave a part open when a workbook breaks it.
    with source.path.open("rb") as stream:
        book = _open_workbook(source, stream, limits)
        try:
            if sheet is not None and sheet not in book.sheetnames:
                names = "、".join(book.sheetnames)
                raise _refuse("file.sheet", f"工作表“{sheet}”不存在，可选：{names}")
            yield from _sheet_rows(source, book, sheet, limits)
        finally:
            book.close()


def _open_workbook(source: SourceFile, stream: IO[bytes], limits: Limits) -> Any:
    from openpyxl.reader.excel import ExcelReader  # heavy import, only for spreadsheets

    class BoundedReader(ExcelReader):  # type: ignore[misc]
        def read_strings(self) -> None:
            self.shared_strings = _shared_strings(self.archive, self.package, limits)

    try:
        reader = BoundedReader(stream, read_only=True, data_only=True)
        reader.read()
    except Exception as exc:  # a hostile workbook can break openpyxl in any way
        raise _refuse(
            "file.xlsx_invalid", f"XLSX文件“{source.name}”已损坏或不完整（{type(exc).__name__}）"
        ) from None
    return reader.wb


def _sheet_rows(
    source: SourceFile, book: Any, sheet: str | None, limits: Limits
) -> Iterator[Record]:
    number, cells = 0, 0
    try:
        worksheet = book[sheet] if sheet else book.worksheets[0]
        # The declared size is the file's word, not a fact: rows are read as they are.
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            number += 1
            cells += max(len(values), 1)
            if cells > limits.cells:
                raise ReadError(
                    "file.too_many_cells",
                    f"文件的单元格（含空行）超过上限{limits.cells}个，读到第{number}行为止",
                    number,
                )
            yield number, list(values)
    except InputError:
        raise
    except Exception as exc:  # as above: openpyxl on a hostile sheet
        raise ReadError(
            "file.xlsx_invalid",
            f"XLSX文件“{source.name}”第{number + 1}行（或其后）无法读取（{type(exc).__name__}）",
            number + 1,
        ) from None


class _Overlong(str):
    """The start of a shared string longer than the cell limit, with its full length."""

    length: int


def _shared_strings(archive: zipfile.ZipFile, package: Any, limits: Limits) -> list[str]:
    """The workbook's shared strings, read with expat in bounded blocks: a string longer
    than the cell limit keeps only its start (openpyxl's own reader holds every string
    whole, so one huge string in a small file took gigabytes)."""
    from openpyxl.xml.constants import SHARED_STRINGS

    part = package.find(SHARED_STRINGS)
    if part is None:
        return []
    strings = _StringTable(limits.field_chars)
    with archive.open(part.PartName[1:]) as stream:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = strings.start
        parser.EndElementHandler = strings.end
        parser.CharacterDataHandler = strings.text
        parser.StartDoctypeDeclHandler = _no_doctype
        while block := stream.read(1 << 16):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    return strings.strings


def _no_doctype(*_args: object) -> None:
    raise ValueError("DOCTYPE in a workbook part")  # refused like any broken workbook


class _StringTable:
    """expat handlers: text of <t> in <si> and its runs <r>, never phonetic <rPh>."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.strings: list[str] = []
        self.pieces: list[str] = []
        self.length = 0
        self.in_text = False
        self.phonetic = 0

    def start(self, name: str, _attributes: object) -> None:
        local = name.rpartition(" ")[2]
        if local == "si":
            self.pieces, self.length = [], 0
        elif local == "rPh":
            self.phonetic += 1
        elif local == "t" and not self.phonetic:
            self.in_text = True

    def end(self, name: str) -> None:
        local = name.rpartition(" ")[2]
        if local == "t":
            self.in_text = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "si":
            self.strings.append(self._string())

    def text(self, data: str) -> None:
        if self.in_text:
            if self.length <= self.limit:
                self.pieces.append(data)
            self.length += len(data)

    def _string(self) -> str:
        text = "".join(self.pieces).replace("x005F_", "")  # as openpyxl reads them
        if self.length <= self.limit:
            return text
        overlong = _Overlong(text[:KEEP_CHARS])
        overlong.length = self.length
        return overlong


def _is_blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _find_header(
    source: SourceFile, profile: Profile, records: Iterator[Record]
) -> tuple[int, list[str]]:
    """The header row's number and cells."""
    seen: list[list[Any]] = []
    for number, values in records:
        if isinstance(values, Refused) or _is_blank(values):
            continue
        names = [normalize_header(v) for v in values]
        if all(any(normalize_header(h) in names for h in c.headers) for c in profile.required):
            return number, ["" if v is None else str(v).strip() for v in values]
        seen.append(values)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    raise _missing_columns(source, profile, seen[0] if seen else [])


def _check_header(source: SourceFile, header: list[str], limits: Limits, where: str) -> None:
    """One column per header, and a header of bounded size (it is stored with the run)."""
    if len(header) > limits.columns:
        raise _refuse(
            "file.too_many_columns",
            f"文件“{source.name}”的表头（{where}）有{len(header)}列，超过上限{limits.columns}列",
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if len(name) > HEADER_CHARS:
            raise _refuse(
                "file.header_too_long", f"表头（{where}）第{position}列超过{HEADER_CHARS}个字符"
            )
        key = normalize_header(name)
        if not key:
            continue
        if key in seen:
            raise _refuse(
                "file.duplicate_header",
                f"表头（{where}）“{name}”出现了不止一次（第{seen[key]}列和第{position}列），"
                "无法确定使用哪一列，请删除或改名其中一列",
            )
        seen[key] = position


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


def map_fields(profile: Profile, header: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The header each of the profile's fields is written under, and the unused headers."""
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
    records: Iterator[Record], header: list[str], limits: Limits, *, texts_only: bool
) -> Iterator[tuple[int, Row]]:
    width = len(header)
    for number, values in records:
        if isinstance(values, Refused):
            yield number, {UNREAD: values.text, PROBLEMS: values.problems}
            continue
        if _is_blank(values):
            continue
        problems = _cell_problems(values, header, limits, texts_only)
        if texts_only and "'" in "".join(values):
            values = [unguard(v) for v in values]
        elif not texts_only:
            values = [unguard(v) if isinstance(v, str) else v for v in values]
        row: Row = dict(zip(header, values, strict=False))
        if len(values) > width:
            extra = values[width:]
            if not _is_blank(extra):
                row["_extra"] = extra
        if problems:
            row[PROBLEMS] = problems
        yield number, row


def _cell_problems(
    values: list[Any], header: list[str], limits: Limits, texts_only: bool
) -> list[dict[str, Any]]:
    """Over-long cells are cut in place (their start and length kept) and named."""
    problems: list[dict[str, Any]] = []
    if len(values) > limits.columns:
        message = f"本行有{len(values)}个单元格，超过每行上限{limits.columns}个"
        problems.append(_problem("row.too_many_cells", message))
        del values[limits.columns :]
    if texts_only:
        if max(map(len, values), default=0) <= limits.field_chars:
            return problems
    elif not any(isinstance(v, str) for v in values):
        return problems
    total = 0
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        length = value.length if isinstance(value, _Overlong) else len(value)
        total += length
        if length > limits.field_chars:
            column = header[index] if index < len(header) else None
            where = f"“{column}”列" if column else f"第{index + 1}列"
            message = f"{where}有{length}个字符，超过每个单元格上限{limits.field_chars}个字符"
            values[index] = clip(value, length)
            problems.append(_problem("row.field_too_long", message, column, values[index]))
    if total > limits.line_chars and not texts_only:
        message = f"本行共{total}个字符，超过每行上限{limits.line_chars}个字符"
        problems.append(_problem("row.too_long", message))
        for index, value in enumerate(values):
            if isinstance(value, str):
                values[index] = clip(value)
    return problems


# ---------------------------------------------------------------- JSON Lines


def _jsonl_table(source: SourceFile, profile: Profile, limits: Limits) -> Table:
    rows = _jsonl_rows(source, limits)
    first = next(rows, None)
    if first is None:
        raise _refuse("file.no_rows", f"文件“{source.name}”没有数据行")
    number, row = first
    if PROBLEMS in row and UNREAD in row:  # the first line names the columns
        problem = row[PROBLEMS][0]
        raise _refuse(problem["code"], f"第{number}行（决定列名的第一行）：{problem['message']}")
    header = [str(k) for k in row if k != PROBLEMS]
    if not all(
        any(normalize_header(h) in map(normalize_header, header) for h in c.headers)
        for c in profile.required
    ):
        raise _missing_columns(source, profile, list(header))
    _check_header(source, header, limits, f"第{number}行")
    fields, ignored = map_fields(profile, header)
    return Table(tuple(header), fields, chain([first], rows), ignored)


def _jsonl_rows(source: SourceFile, limits: Limits) -> Iterator[tuple[int, Row]]:
    with source.path.open(encoding=source.encoding) as stream:
        lines = _Lines(stream, limits.line_chars)
        while True:
            lines.start()
            try:
                line = next(lines)
            except StopIteration:
                return
            except _TooLong as too_long:
                refused = _too_long_line(too_long.cut, limits)
                yield too_long.number, {UNREAD: refused.text, PROBLEMS: refused.problems}
                continue
            if line.strip():
                yield lines.record[0][0], _json_object(line.rstrip("\r\n"), limits)


class _TooManyDigits(ValueError):
    pass


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest


def _json_object(text: str, limits: Limits) -> Row:
    shown = {UNREAD: clip(text)}
    # Counting brackets is cheap; only a line that could be too deep is scanned.
    if text.count("{") + text.count("[") > limits.json_depth and _depth(text) > limits.json_depth:
        message = f"本行JSON嵌套超过{limits.json_depth}层"
        return shown | {PROBLEMS: [_problem("row.json_depth", message)]}

    def number(digits: str) -> int | float:
        if len(digits) > limits.number_digits:
            raise _TooManyDigits
        return float(digits) if any(ch in digits for ch in ".eE") else int(digits)

    try:
        value = json.loads(text, parse_int=number, parse_float=number)
    except _TooManyDigits:
        message = f"本行JSON中有数字超过{limits.number_digits}个字符"
        return shown | {PROBLEMS: [_problem("row.json_number", message)]}
    except (ValueError, RecursionError):
        return {"_invalid_json": clip(text)}
    if not isinstance(value, Mapping):
        return {"_invalid_json": clip(text)}
    keys, values = [str(k) for k in value], list(value.values())
    problems = _cell_problems(values, keys, limits, texts_only=False)
    row = dict(zip(keys, values, strict=False))
    if problems:
        row[PROBLEMS] = problems
    return row
