"""Certificate catalogue: schemes, certificate types, levels, numbers and validity rules.

Pure package: data comes from the TOML files in `data/`, nothing here touches a
database or the web.
"""

from certbridge.catalog.loader import (
    Catalog,
    CatalogDataError,
    load_catalog,
    load_catalog_from,
    normalize_type_text,
)
from certbridge.catalog.model import (
    STANDING_WORDS,
    CertificateType,
    Department,
    IssueRules,
    Level,
    Occupation,
    Province,
    Scheme,
    StatusWords,
    ValidityRule,
)
from certbridge.catalog.numbers import (
    NumberInfo,
    generate_number,
    normalize_number,
    validate_number,
)
from certbridge.catalog.validity import (
    ReviewStep,
    ValidityState,
    add_years,
    default_valid_until,
    review_walk,
    settle_reviews,
    state_on,
    validity_on,
)

__all__ = [
    "STANDING_WORDS",
    "Catalog",
    "CatalogDataError",
    "CertificateType",
    "Department",
    "IssueRules",
    "Level",
    "NumberInfo",
    "Occupation",
    "Province",
    "ReviewStep",
    "Scheme",
    "StatusWords",
    "ValidityRule",
    "ValidityState",
    "add_years",
    "default_valid_until",
    "generate_number",
    "load_catalog",
    "load_catalog_from",
    "normalize_number",
    "normalize_type_text",
    "review_walk",
    "settle_reviews",
    "state_on",
    "validate_number",
    "validity_on",
]
