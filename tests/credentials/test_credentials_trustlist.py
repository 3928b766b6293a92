"""The trust list of issuers and the strict JSON reader, as pure rules (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from certbridge.credentials import trustlist
from certbridge.credentials.proofs import encode_public_key
from certbridge.credentials.trustlist import TrustedIssuer, TrustedKey, TrustError
from certbridge.credentials.verify import DuplicateKeyError, load_json

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
ROOTS = (trustlist.dev_root_public(),)
DID = "did:web:127.0.0.1%3A8000:issuers:mem-14"

moments = st.integers(min_value=-3_000, max_value=3_000).map(
    lambda hours: NOW + timedelta(hours=hours)
)


def key(valid_from: datetime, until: datetime | None, compromised: datetime | None) -> TrustedKey:
    public = encode_public_key(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    return TrustedKey(f"{DID}#{public}", public, valid_from, until, compromised)


def signed(keys: tuple[TrustedKey, ...], *, issued: datetime = NOW, days: int = 30) -> Any:
    document = trustlist.build(
        url="http://127.0.0.1:8000/trust/issuers.json",
        sequence=3,
        issued=issued,
        valid_until=issued + timedelta(days=days),
        issuers=[TrustedIssuer(DID, "山西省应急管理厅", keys)],
    )
    return trustlist.sign(document, trustlist.dev_root_key())


@given(start=moments, length=st.integers(0, 2_000), compromised=st.none() | moments)
def test_a_signed_list_reads_back_the_keys_and_windows_it_was_given(
    start: datetime, length: int, compromised: datetime | None
) -> None:
    until = start + timedelta(hours=length) if length else None
    given_key = key(start, until, compromised)
    accepted = trustlist.verify(signed((given_key,)), ROOTS, NOW)
    assert accepted.sequence == 3
    assert accepted.trusted_key(DID, given_key.method_id) == given_key


@given(start=moments, length=st.integers(1, 2_000), compromised=st.none() | moments, at=moments)
def test_a_signature_counts_only_inside_its_keys_window_and_before_a_compromise(
    start: datetime, length: int, compromised: datetime | None, at: datetime
) -> None:
    until = start + timedelta(hours=length)
    trusted = key(start, until, compromised)
    inside = start - trustlist.CLOCK_SKEW <= at <= until + trustlist.CLOCK_SKEW
    clean = compromised is None or at < compromised
    if inside and clean:
        trusted.check_signed_at(at)
    else:
        with pytest.raises(TrustError):
            trusted.check_signed_at(at)


@given(field=st.sampled_from(["sequence", "issued", "validUntil", "issuers"]))
def test_any_edit_of_a_signed_list_breaks_it(field: str) -> None:
    document = signed((key(NOW - timedelta(days=3), None, None),))
    edits: dict[str, Any] = {
        "sequence": 4,
        "issued": "2026-11-30T00:00:00Z",
        "validUntil": "2099-01-01T00:00:00Z",
        "issuers": [],
    }
    document[field] = edits[field]
    with pytest.raises(TrustError):
        trustlist.verify(document, ROOTS, NOW)


def test_a_list_is_refused_when_expired_from_the_future_or_signed_by_another_root() -> None:
    keys = (key(NOW - timedelta(days=3), None, None),)
    with pytest.raises(TrustError, match="已过期"):
        trustlist.verify(signed(keys, issued=NOW - timedelta(days=40)), ROOTS, NOW)
    with pytest.raises(TrustError, match="晚于当前时间"):
        trustlist.verify(signed(keys, issued=NOW + timedelta(days=1)), ROOTS, NOW)
    stranger = trustlist.sign(
        {k: v for k, v in signed(keys).items() if k != "proof"}, Ed25519PrivateKey.generate()
    )
    with pytest.raises(TrustError, match="不是由受信任的根密钥签发"):
        trustlist.verify(stranger, ROOTS, NOW)
    unknown = trustlist.verify(signed(keys), ROOTS, NOW)
    with pytest.raises(TrustError, match="没有这个发证方"):
        unknown.trusted_key("did:web:elsewhere", "did:web:elsewhere#z")
    with pytest.raises(TrustError, match="未列出此签名密钥"):
        unknown.trusted_key(DID, f"{DID}#z6MkOther")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=12,
)


@given(document=st.dictionaries(st.text(max_size=4), json_values, min_size=1, max_size=4))
def test_the_strict_reader_reads_what_json_reads_and_refuses_a_key_given_twice(
    document: dict[str, Any],
) -> None:
    text = json.dumps(document)
    assert load_json(text) == json.loads(text)
    first = next(iter(document))
    doubled = "{" + json.dumps(first) + ": 1, " + text[1:]
    with pytest.raises(DuplicateKeyError) as refused:
        load_json(doubled)
    assert refused.value.key == first
    nested = json.dumps({"outer": document})[:-1] + "}"
    assert load_json(nested) == {"outer": document}
    with pytest.raises(DuplicateKeyError):
        load_json('{"outer": ' + doubled + "}")


def test_root_keys_are_read_from_lines_commas_and_comments() -> None:
    other = encode_public_key(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    text = f"# roots\n{ROOTS[0]}, {other}  # old\n\n"
    assert trustlist.parse_roots(text) == (ROOTS[0], other)
