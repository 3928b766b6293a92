"""Identity documents and personal names: pure rules, no storage, no web."""

from certbridge.identity.hashing import id_number_hash, identity_hash, keyed_hash
from certbridge.identity.masking import (
    mask_embedded_id_number,
    mask_id_number,
    mask_text_id_numbers,
)
from certbridge.identity.names import PersonNameError, normalize_name, validate_name
from certbridge.identity.numbers import (
    ID_TYPES,
    KIND_ID_TYPES,
    Identity,
    IdNumber,
    IdNumberError,
    IdType,
    check_character,
    make_id_number,
    normalize_id_number,
    parse_id_number,
    parse_identity,
    resolve_id_type,
    sex_from_masked,
)
from certbridge.identity.regions import (
    PROVINCES,
    REGION_REVISION,
    REGION_SOURCE,
    county_codes,
    is_current,
    is_known_address_code,
    province_name,
    region_name,
)

__all__ = [
    "ID_TYPES",
    "KIND_ID_TYPES",
    "PROVINCES",
    "REGION_REVISION",
    "REGION_SOURCE",
    "IdNumber",
    "IdNumberError",
    "IdType",
    "Identity",
    "PersonNameError",
    "check_character",
    "county_codes",
    "id_number_hash",
    "identity_hash",
    "is_current",
    "is_known_address_code",
    "keyed_hash",
    "make_id_number",
    "mask_embedded_id_number",
    "mask_id_number",
    "mask_text_id_numbers",
    "normalize_id_number",
    "normalize_name",
    "parse_id_number",
    "parse_identity",
    "province_name",
    "region_name",
    "resolve_id_type",
    "sex_from_masked",
    "validate_name",
]
