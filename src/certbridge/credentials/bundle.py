"""Offline bundles: a credential plus every document a verifier needs, and their reader.

The bundle's trust list is a copy of the registry's signed list of issuers; it counts only
because the verifier checks its signature against a root key configured on the verifier's
side (never one from the bundle)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from certbridge.credentials import trustlist
from certbridge.credentials.documents import context_files, context_text
from certbridge.credentials.trustlist import TrustError, TrustList
from certbridge.credentials.verify import AgeLimit, Verifier, load_json

MANIFEST = "manifest.json"
TRUST_FILE = "trust/issuers.json"
MAX_FILE_BYTES = 4 * 1024 * 1024


def write_bundle(
    directory: Path,
    *,
    credential: dict[str, Any],
    base_url: str,
    did_documents: dict[str, dict[str, Any]],
    did_urls: dict[str, str],
    status_lists: dict[str, dict[str, Any]],
    trust_list: dict[str, Any],
) -> dict[str, Any]:
    """Write credential.json, contexts/, did/, status/, trust/ and manifest.json
    (URL -> file, and `trustList`: the trust list's file)."""
    directory.mkdir(parents=True, exist_ok=True)
    for sub in ("contexts", "did", "status", "trust"):
        (directory / sub).mkdir(exist_ok=True)
    documents: dict[str, str] = {}
    for url, file_name in context_files(base_url).items():
        (directory / "contexts" / file_name).write_text(context_text(file_name), encoding="utf-8")
        documents[url] = f"contexts/{file_name}"
    for number, (did, document) in enumerate(sorted(did_documents.items()), start=1):
        name = f"did/issuer-{number}.json"
        _write_json(directory / name, document)
        documents[did] = name
        documents[did_urls[did]] = name
    for number, (url, document) in enumerate(sorted(status_lists.items()), start=1):
        name = f"status/list-{number}.json"
        _write_json(directory / name, document)
        documents[url] = name
    _write_json(directory / TRUST_FILE, trust_list)
    documents[trust_list["id"]] = TRUST_FILE
    _write_json(directory / "credential.json", credential)
    manifest = {"credential": "credential.json", "trustList": TRUST_FILE, "documents": documents}
    _write_json(directory / MANIFEST, manifest)
    return manifest


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class BundleResolver:
    """Resolves DIDs and status lists from a bundle directory, never from the network."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        manifest = self._read(MANIFEST) or {}
        documents = manifest.get("documents")
        self.documents: dict[str, str] = documents if isinstance(documents, dict) else {}
        self.trust_file = manifest.get("trustList")

    def _read(self, relative: Any) -> dict[str, Any] | None:
        if not isinstance(relative, str):
            return None
        path = (self.directory / relative).resolve()
        if self.directory not in path.parents or not path.is_file():
            return None  # never leave the bundle directory
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        try:
            loaded = load_json(path.read_bytes())
        except (ValueError, OSError, RecursionError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def did_document(self, did: str) -> dict[str, Any] | None:
        return self._read(self.documents.get(did))

    def status_list_credential(self, url: str) -> dict[str, Any] | None:
        return self._read(self.documents.get(url))

    def trust_list(self) -> dict[str, Any] | None:
        return self._read(self.trust_file)


def offline_verifier(
    directory: Path,
    *,
    contexts: list[str],
    roots: tuple[str, ...],
    age_limit: AgeLimit,
    trust_list: dict[str, Any] | None = None,
    max_bytes: int = 64 * 1024,
) -> Verifier:
    """A verifier that uses nothing but the bundle, plus the trust roots configured here:
    the bundle's trust list (or a fresher one given as `trust_list`) must be signed by one
    of `roots` and still valid."""
    resolver = BundleResolver(directory)

    def anchor(now: datetime) -> TrustList:
        document = trust_list if trust_list is not None else resolver.trust_list()
        if document is None:
            raise TrustError("离线包中没有信任清单，无法确认发证方的密钥是否可信")
        return trustlist.verify(document, roots, now)

    return Verifier(resolver, contexts, anchor, max_bytes=max_bytes, age_limit=age_limit)
