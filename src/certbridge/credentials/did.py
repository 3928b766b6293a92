"""did:web identities derived from the public base URL, and their DID documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from certbridge.credentials.documents import DID_V1, MULTIKEY_V1


def _host_and_path(base_url: str) -> list[str]:
    parts = urlsplit(base_url)
    segments = [s for s in parts.path.split("/") if s]
    return [parts.netloc.replace(":", "%3A"), *segments]


def issuer_did(base_url: str, slug: str) -> str:
    """did:web:127.0.0.1%3A8000:issuers:mem-14 (served at /issuers/mem-14/did.json)."""
    return "did:web:" + ":".join([*_host_and_path(base_url), "issuers", slug])


def slug_of(base_url: str, did: str) -> str | None:
    """The issuer slug if the DID is one of ours, else None."""
    prefix = issuer_did(base_url, "")
    if not did.startswith(prefix):
        return None
    slug = did[len(prefix) :]
    return slug if slug and ":" not in slug and "#" not in slug else None


def did_document_url(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/issuers/{slug}/did.json"


def xsd_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class KeyView:
    public_key_multibase: str
    compromised_from: datetime | None


def did_document(did: str, keys: list[KeyView]) -> dict[str, Any]:
    """Every key ever used stays listed, so credentials signed before a rotation verify;
    a compromised key carries `revoked` (Controlled Identifiers / Multikey)."""
    methods = []
    for key in keys:
        method: dict[str, Any] = {
            "id": f"{did}#{key.public_key_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        if key.compromised_from is not None:
            method["revoked"] = xsd_datetime(key.compromised_from)
        methods.append(method)
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
