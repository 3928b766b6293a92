"""Frozen value objects of the certificate catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    # The review at the end of validity when its name differs (特种作业: 延期复审/换证).
    renewal_kind_zh: str | None = None

    def review_word(self, due: date, until: date | None) -> str:
        """What the review due on `due` is called: the renewal's name at the end of
        validity when the scheme has one, else the periodic review's."""
        if due == until and self.renewal_kind_zh:
            return self.renewal_kind_zh
        return self.review_kind_zh or "复审"


# Words of the regulations for each change of standing; a scheme picks its own among them
# (catalog data) and an event records the one the department used. 注销 is never a penalty.
STANDING_WORDS: dict[str, tuple[str, ...]] = {
    "suspended": ("暂扣", "暂停"),
    "revoked": ("撤销", "吊销"),
    "cancelled": ("注销",),
}


@dataclass(frozen=True)
class StatusWords:
    """A scheme's own words for its certificates' standing, with where they come from."""

    suspended: str
    revoked: tuple[str, ...]  # the first is used when an event recorded no word
    cancelled: str
    source: str
    unconfirmed: bool

    def word(self, kind: str, recorded: str = "") -> str:
        """The word for a change of standing: the one recorded with it if any."""
        if recorded:
            return recorded
        if kind == "suspended":
            return self.suspended
        if kind == "revoked":
            return self.revoked[0]
        return self.cancelled


@dataclass(frozen=True)
class IssueRules:
    """When a certificate of the scheme can plausibly have been issued: not before the
    scheme existed, not to a holder younger than the minimum age. Each with its source."""

    since_year: int
    since_source: str
    minimum_age: int
    minimum_age_source: str
    unconfirmed: bool


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
    status_words: StatusWords
    issue_rules: IssueRules
    # Who issues the certificate: the department's authority, or an evaluation institution
    # under the department's supervision (职业技能等级证书).
    issued_by: str = "authority"


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
