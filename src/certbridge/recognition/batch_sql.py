"""The batch's SQL (recognition.batch runs it): certificate rows, and one signature row per
person whose entry codes are written against the memo's view of types and dates.

The view is two temporary tables per connection (`POLICY_VIEW`), filled from
Memo.type_table and Memo.recent_days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from certbridge.recognition.memo import CODE_SEPARATOR, LEVEL_WEIGHT
from certbridge.registry.models import Certificate, IssuingAuthority

_certificates = Certificate.__table__
_issuers = IssuingAuthority.__table__

_LOW: BindParameter[int] = bindparam("low")
_HIGH: BindParameter[int] = bindparam("high")
_AS_OF: BindParameter[date] = bindparam("as_of", type_=Date)


def _status_code() -> Any:
    """The status code on the as-of date from the certificate's settlement (see
    registry.settlement), NULL where there is none or the date precedes its last event.
    'valid' here also stands for review_due: both count, and the batch needs no more."""
    c = _certificates.c
    lapsed = or_(
        and_(c.settled_due_on.is_not(None), c.settled_due_on < _AS_OF),
        and_(c.settled_until.is_not(None), c.settled_until < _AS_OF),
    )
    return case(
        (or_(c.settled_through.is_(None), c.settled_through > _AS_OF), null()),
        (c.settled_standing != "active", c.settled_standing),
        (lapsed, literal("expired")),
        else_=literal("valid"),
    )


def certificate_query(scheme: str | None) -> Any:
    """One row per certificate in person order (the person_id index gives that order):
    person, type, level, issue date, issuing province, status code, id."""
    c, i = _certificates.c, _issuers.c
    query = (
        select(
            c.person_id, c.type_code, c.level, c.issued_on, i.province_code, _status_code(), c.id
        )
        .select_from(_certificates.join(_issuers, i.id == c.issuer_id))
        .where(c.person_id >= _LOW, c.person_id < _HIGH)
        .order_by(c.person_id, c.id)
    )
    if scheme is not None:
        query = query.where(_holds_scheme(scheme))
    return query


# What the memo reads of each catalog type and of each recent issue date (Memo.type_table,
# Memo.recent_days), loaded per connection so that SQL can write each certificate's entry
# code.
POLICY_VIEW = MetaData()
TYPES = Table(
    "batch_types",
    POLICY_VIEW,
    Column("type_code", String, primary_key=True),
    Column("touches", Integer),
    Column("counting_code", Integer, nullable=False),
    Column("trade_code", Integer),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)
DAYS = Table(
    "batch_days",
    POLICY_VIEW,
    Column("day", Date, primary_key=True),
    Column("tenths", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    sqlite_with_rowid=False,
)
_CAP: BindParameter[int] = bindparam("cap")


class _Bare(ColumnElement[Any]):
    """A column without its affinity in SQLite, which stores our dates as text in columns
    of NUMERIC affinity: compared with a parameter, such a column makes SQLite try the
    parameter as a number on every row. A unary + drops the affinity; elsewhere, the column
    as it is."""

    inherit_cache = False  # the batch compiles its statements once, by hand

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Bare)
def _bare(element: _Bare, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Bare, "sqlite")
def _bare_sqlite(element: _Bare, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def signature_query(scheme: str | None, dialect: str) -> Any:
    """One row per person in person order: the lowest and highest province their
    certificates were issued in, whether any certificate lacks a usable settlement, how
    many certificates, and the entry codes of Memo.answer_codes, one per certificate that
    bears on the answer.

    One flat grouped query, so that SQLite groups in the person_id index's order; whether
    a certificate counts is worked out once per certificate, for its entry code alone."""
    c, i, t, d = _certificates.c, _issuers.c, TYPES.c, DAYS.c
    through, issued = _Bare(c.settled_through), _Bare(c.issued_on)
    due_on, until = _Bare(c.settled_due_on), _Bare(c.settled_until)
    counting = and_(
        through <= _AS_OF,
        c.settled_standing == "active",
        or_(c.settled_due_on.is_(None), due_on >= _AS_OF),
        or_(c.settled_until.is_(None), until >= _AS_OF),
    )
    tenths = case((issued > _AS_OF, -1), else_=func.coalesce(d.tenths, _CAP))
    grants = (
        t.counting_code
        + func.coalesce(c.level, 0) * LEVEL_WEIGHT
        + case((t.touches == 1, tenths), else_=0)
    )
    entry = case(
        (counting, case((t.touches.is_(None), 0), else_=grants)),
        (or_(c.settled_standing == "revoked", t.trade_code.is_(None), issued > _AS_OF), null()),
        else_=t.trade_code + tenths,
    )
    if dialect == "sqlite":
        codes = func.group_concat(entry, CODE_SEPARATOR)
    else:
        codes = func.string_agg(cast(entry, String), CODE_SEPARATOR)
    query = (
        select(
            c.person_id,
            func.min(i.province_code),
            func.max(i.province_code),
            func.max(case((through <= _AS_OF, 0), else_=1)),  # NULL through: no settlement
            func.count(),
            codes,
        )
        .select_from(
            _certificates.join(_issuers, i.id == c.issuer_id)
            .outerjoin(TYPES, t.type_code == c.type_code)
            .outerjoin(DAYS, d.day == c.issued_on)
        )
        .where(c.person_id >= _LOW, c.person_id < _HIGH)
        .group_by(c.person_id)
        .order_by(c.person_id)
    )
    if scheme is not None:
        query = query.where(_holds_scheme(scheme))
    return query


def _holds_scheme(scheme: str) -> Any:
    other = aliased(_certificates)
    return exists().where(other.c.person_id == _certificates.c.person_id, other.c.scheme == scheme)
