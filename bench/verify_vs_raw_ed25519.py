"""Credential verification vs raw Ed25519 verification, and batch issuance throughput.

Peer: `cryptography`'s Ed25519PublicKey.verify on a 64-byte message, the floor of the work
(one signature check per credential). Ours: the full check list of an offline verifier
(format, context, issuer DID and key, eddsa-jcs-2022 proof, validity, both status lists),
on credentials already parsed from JSON, with the DID document and status lists cached
(as a verifier does within their ttl).

Issuance: N credentials signed over synthetic in-memory certificate views (no database:
it would dominate), spread over the machine's cores with multiprocessing.

    .venv/bin/python bench/verify_vs_raw_ed25519.py --verify 20000 --issue 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certbridge.credentials import statuslist
from certbridge.credentials.did import KeyView, did_document, issuer_did
from certbridge.credentials.document import Signer, build_credential
from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.fields import PrintedFields
from certbridge.credentials.proofs import ProofOptions, add_proof, encode_public_key
from certbridge.credentials.trustlist import TrustedIssuer, TrustedKey, TrustList
from certbridge.credentials.verify import Verifier

BASE = "http://127.0.0.1:8000"
SLUG = "mohrss-14"
CREATED = "2025-01-01T00:00:00Z"


def fields(serial: int) -> PrintedFields:
    return PrintedFields(
        holder_name="张伟",
        id_type="居民身份证",
        id_number_masked="1401**********0011",
        certificate_type="电工",
        certificate_type_code="skill_level:6-31-01-03",
        scheme_name="职业技能等级证书",
        occupation_name="电工",
        occupation_code="6-31-01-03",
        work_type="--",
        level_label="四级/中级工",
        level_number=4,
        category=None,
        certificate_number=f"S000114000001244{serial:06d}"[:22],
        institution_name="山西某职业技能评价中心",
        institution_code="S0001",
        authority_name="山西省人力资源和社会保障厅",
        issued_on=date(2024, 3, 1),
        valid_until=None,
    )


def list_url(purpose: str) -> str:
    return f"{BASE}/credentials/status/{SLUG}/{purpose}/1"


def make_credential(key: Ed25519PrivateKey, public: str, serial: int) -> dict[str, Any]:
    did = issuer_did(BASE, SLUG)
    status = [
        statuslist.entry(list_url(p), p, serial % statuslist.MIN_ENTRIES)
        for p in statuslist.PURPOSES
    ]
    unsigned = build_credential(
        fields(serial),
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{serial:012d}",
        signer=Signer(did, "山西省人力资源和社会保障厅"),
        base_url=BASE,
        holder_hash="ab" * 32,
        status=status,
    )
    return add_proof(unsigned, key, ProofOptions(f"{did}#{public}", CREATED))


class MemoryResolver:
    def __init__(self, key: Ed25519PrivateKey, public: str) -> None:
        did = issuer_did(BASE, SLUG)
        self.did = did_document(did, [KeyView(public, None)])
        self.lists = {
            list_url(p): add_proof(
                statuslist.list_credential(
                    list_url=list_url(p),
                    issuer=did,
                    purpose=p,
                    bits=bytes(statuslist.empty_list()),
                    valid_from=CREATED,
                    ttl_ms=300_000,
                ),
                key,
                ProofOptions(f"{did}#{public}", CREATED),
            )
            for p in statuslist.PURPOSES
        }

    def did_document(self, did: str) -> dict[str, Any] | None:
        return self.did if did == self.did["id"] else None

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        return self.lists.get(url)


def trust_for(public: str) -> TrustList:
    """The issuer's key as the registry vouches for it (what a verified trust list gives)."""
    did = issuer_did(BASE, SLUG)
    since = datetime(2024, 1, 1, tzinfo=UTC)
    key = TrustedKey(f"{did}#{public}", public, since, None, None)
    issuer = TrustedIssuer(did, "山西省人力资源和社会保障厅", (key,))
    return TrustList(1, since, datetime(2100, 1, 1, tzinfo=UTC), {did: issuer}, public)


def bench_verify(count: int) -> tuple[float, float]:
    key = Ed25519PrivateKey.generate()
    public = encode_public_key(key.public_key().public_bytes_raw())
    credentials = [make_credential(key, public, i) for i in range(min(count, 2000))]
    trust = trust_for(public)
    verifier = Verifier(MemoryResolver(key, public), credential_contexts(BASE), lambda _now: trust)
    assert verifier.verify(credentials[0]).verified  # warm the caches, prove the setup
    started = time.perf_counter()
    for i in range(count):
        verdict = verifier.verify(credentials[i % len(credentials)])
        if not verdict.verified:
            raise SystemExit(f"unexpected failure: {verdict.summary}")
    ours = count / (time.perf_counter() - started)
    message = os.urandom(64)
    signature = key.sign(message)
    public_key = key.public_key()
    started = time.perf_counter()
    for _ in range(count):
        public_key.verify(signature, message)
    raw = count / (time.perf_counter() - started)
    return ours, raw


def _issue_range(bounds: tuple[int, int]) -> int:
    start, stop = bounds
    key = Ed25519PrivateKey.generate()
    public = encode_public_key(key.public_key().public_bytes_raw())
    for serial in range(start, stop):
        make_credential(key, public, serial)
    return stop - start


def bench_issue(count: int, processes: int) -> float:
    chunk = 10_000
    ranges = [(s, min(s + chunk, count)) for s in range(0, count, chunk)]
    started = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        done = sum(pool.imap_unordered(_issue_range, ranges))
    assert done == count
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verify", type=int, default=20_000)
    parser.add_argument("--issue", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    ours, raw = bench_verify(args.verify)
    print(f"verify: ours {ours:,.0f}/s, raw Ed25519 {raw:,.0f}/s, ratio {ours / raw:.0%}")
    if args.issue:
        rate = bench_issue(args.issue, args.processes)
        print(f"issue: {args.issue:,} credentials on {args.processes} processes, {rate:,.0f}/s")


if __name__ == "__main__":
    main()
