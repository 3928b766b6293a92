"""eddsa-jcs-2022 against the W3C test vectors, JCS fast path, Multikey encodings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from certbridge.credentials.proofs import (
    ProofError,
    ProofOptions,
    add_proof,
    canonicalize,
    decode_public_key,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
    hash_data,
    proof_configuration,
    verify_proof,
)

VECTORS = Path(__file__).parent / "vectors"


def vector(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def vector_json(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(vector(name))


@pytest.fixture
def vector_key() -> Ed25519PrivateKey:
    pair = vector_json("keyPair.json")
    return Ed25519PrivateKey.from_private_bytes(decode_secret_key(pair["secretKeyMultibase"]))


def test_the_vector_key_pair_decodes_as_multikey_and_matches(vector_key: Ed25519PrivateKey) -> None:
    pair = vector_json("keyPair.json")
    public = vector_key.public_key().public_bytes_raw()
    assert decode_public_key(pair["publicKeyMultibase"]) == public
    assert encode_public_key(public) == pair["publicKeyMultibase"]
    assert (
        encode_secret_key(decode_secret_key(pair["secretKeyMultibase"]))
        == pair["secretKeyMultibase"]
    )


def test_the_canonical_document_and_its_hash_match_the_vectors() -> None:
    document = vector_json("unsecured.json")
    assert canonicalize(document).decode() == vector("canonDoc.txt")
    assert hashlib.sha256(canonicalize(document)).hexdigest() == vector("docHash.txt")


def test_the_proof_configuration_is_the_vector_one() -> None:
    document = vector_json("unsecured.json")
    expected = vector_json("proofConfig.json")
    options = ProofOptions(expected["verificationMethod"], expected["created"])
    assert proof_configuration(document, options) == expected


def test_the_did_key_proof_canonical_form_and_hashes_match_the_vectors() -> None:
    config = json.loads(vector("didKeyProofCanon.txt"))
    assert canonicalize(config).decode() == vector("didKeyProofCanon.txt")
    assert hashlib.sha256(canonicalize(config)).hexdigest() == vector("didKeyProofHash.txt")
    combined = hash_data(config, vector_json("unsecured.json"))
    assert combined.hex() == vector("didKeyCombinedHash.txt")


def test_signing_the_vector_document_reproduces_the_vector_signature(
    vector_key: Ed25519PrivateKey,
) -> None:
    expected = vector_json("proofConfig.json")
    options = ProofOptions(expected["verificationMethod"], expected["created"])
    secured = add_proof(vector_json("unsecured.json"), vector_key, options)
    assert secured["proof"]["proofValue"] == vector("proofValue.txt")
    signature = hash_data(expected, vector_json("unsecured.json"))
    assert vector_key.sign(signature).hex() == vector("sigHex.txt")


def test_the_vector_signed_document_verifies_and_a_changed_field_does_not(
    vector_key: Ed25519PrivateKey,
) -> None:
    expected = vector_json("proofConfig.json")
    secured = {
        **vector_json("unsecured.json"),
        "proof": {**expected, "proofValue": vector("proofValue.txt")},
    }
    public = vector_key.public_key()
    assert verify_proof(secured, lambda _vm: public).proof_purpose == "assertionMethod"
    tampered = json.loads(json.dumps(secured))
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    with pytest.raises(ProofError) as refused:
        verify_proof(tampered, lambda _vm: public)
    assert refused.value.code == "proof.signature"


def test_a_proof_whose_context_differs_from_the_document_is_refused(
    vector_key: Ed25519PrivateKey,
) -> None:
    expected = vector_json("proofConfig.json")
    secured = add_proof(
        vector_json("unsecured.json"),
        vector_key,
        ProofOptions(expected["verificationMethod"], expected["created"]),
    )
    secured["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    with pytest.raises(ProofError) as refused:
        verify_proof(secured, lambda _vm: vector_key.public_key())
    assert refused.value.code == "proof.context"


def test_a_malformed_public_key_is_refused() -> None:
    for bad in ("", "6Mk", "zzzz", "z" + "1" * 50):
        with pytest.raises(ProofError):
            decode_public_key(bad)
    assert isinstance(Ed25519PublicKey, type)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_the_fast_canonical_form_always_equals_rfc8785(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (ValueError, UnicodeEncodeError):
        with pytest.raises((ValueError, UnicodeEncodeError)):
            canonicalize(value)
        return
    assert canonicalize(value) == expected
