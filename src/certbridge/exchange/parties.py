"""Who is concerned by a name conflict, and what each party may see and do. Pure.

A conflict concerns the authority the row was sent for (the uploader), the authorities
(department × province) that issued certificates to the person, and regulators of any
of those provinces (or of all, `*`). An admin token stands for every regulator.

- issuers and regulators see the registered name and may choose either outcome;
- the uploader alone sees its own row and the outcome, never the registered name or the
  person's certificates, and may only withdraw its row (keep the registered name):
  otherwise sending a wrong name and "correcting" it would rename anyone's holder;
- anyone else is not concerned: the conflict does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from certbridge.auth.scopes import department_may_act

Access = Literal["none", "uploader", "issuer", "regulator"]
Outcome = Literal["keep_registered", "correct_registered"]
OUTCOMES: tuple[Outcome, ...] = ("keep_registered", "correct_registered")
OUTCOME_LABELS = {
    "keep_registered": "维持登记姓名（本行不导入）",
    "correct_registered": "将登记姓名更正为本行姓名（本行随即导入）",
}
Authority = tuple[str, str]  # (department, province code)


def access(
    role: str, grants: Iterable[str], uploader: Authority, issuers: Iterable[Authority]
) -> Access:
    grants, issuers = tuple(grants), tuple(issuers)
    if role == "admin":
        return "regulator"
    if role == "regulator":
        provinces = {uploader[1], *(province for _, province in issuers)}
        return "regulator" if "*" in grants or provinces & set(grants) else "none"
    if role == "department":
        if any(department_may_act(grants, *issuer) for issuer in issuers):
            return "issuer"
        if department_may_act(grants, *uploader):
            return "uploader"
    return "none"


def issued_by(authority: Authority, issuers: Iterable[Authority]) -> bool:
    """Whether `authority` issued one of the person's certificates: then the registered
    name is its own record and may be shown to it."""
    return authority in set(issuers)


def sees_registered_name(party: Access) -> bool:
    return party in ("issuer", "regulator")


def may_choose(party: Access, outcome: str) -> bool:
    if outcome == "keep_registered":
        return party != "none"
    return outcome == "correct_registered" and party in ("issuer", "regulator")
