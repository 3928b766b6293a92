"""The JSON-LD contexts we ship, by URL: verification never fetches a context."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CONTEXTS_DIR = Path(__file__).parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
OUR_CONTEXT_PATH = "/contexts/certbridge/v1.jsonld"

STANDARD_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    DID_V1: "did-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}
OUR_FILE = "certbridge-v1.jsonld"


def our_context_url(base_url: str) -> str:
    """Versioned and stable: a new version gets a new file and URL, never an edit."""
    return base_url.rstrip("/") + OUR_CONTEXT_PATH


def credential_contexts(base_url: str) -> list[str]:
    return [VC_V2, OB_V3, our_context_url(base_url)]


def context_files(base_url: str) -> dict[str, str]:
    """URL -> file name of every context a verifier of our documents needs."""
    return {**STANDARD_FILES, our_context_url(base_url): OUR_FILE}


@cache
def context_text(file_name: str) -> str:
    return (CONTEXTS_DIR / file_name).read_text(encoding="utf-8")


def context_document(file_name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(context_text(file_name))
    return loaded
