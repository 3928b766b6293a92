"""Frozen value objects of the certificate catalogue."""

from __future__ import annotations

from dataclasses import dataclass

# Number formats that certbridge.catalog.numbers knows how to validate and generate.
NUMBER_FORMATS = frozenset(
    {
        "skill_level_22",
        "qualification_16",
        "special_operation_t_id",
        "construction_14",
        "id_number_18",
    }
)


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    short_zh: str


@dataclass(frozen=True)
class ValidityRule:
    """Expiry and review rule of a scheme; None means the rule does not apply."""

    validity_years: int | None = None
    review_interval_years: int | None = None
    review_interval_years_after_clean: int | None = None
    clean_years_for_longer_interval: int | None = None
    review_window_days: int | None = None
    extension_years: int | None = None
    extension_window_days: int | None = None
    review_kind_zh: str | None = None  # "复审" / "延期复核"


@dataclass(frozen=True)
class Scheme:
    code: str
    name_zh: str
    department: str
    number_format: str
    validity: ValidityRule
    number_embeds_id_number: bool
    unconfirmed: bool
    source: str


@dataclass(frozen=True)
class Occupation:
    code: str
    name_zh: str
    unconfirmed: bool


@dataclass(frozen=True)
class Level:
    number: int
    name_zh: str
    grade_zh: str

    @property
    def label(self) -> str:
        return f"{self.name_zh}/{self.grade_zh}"


@dataclass(frozen=True)
class Province:
    code: str
    name_zh: str
    abbreviation: str


@dataclass(frozen=True)
class CertificateType:
    code: str
    scheme: str
    name_zh: str
    aliases: tuple[str, ...]
    category_code: str | None
    category_name_zh: str | None
    occupation: str | None
    requires_level: bool
    unconfirmed: bool
    source: str = ""
    # 作业项目代号 of the 特种设备 catalogue (N1, Q2 …); None where a scheme has none.
    item_code: str | None = None
