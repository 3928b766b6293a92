"""The unsigned credential: a VC 2.0 that is also an Open Badges 3.0 OpenBadgeCredential."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from certbridge.credentials.documents import credential_contexts
from certbridge.credentials.fields import PrintedFields

CHINA_OFFSET = "+08:00"
HOLDER_HASH_TYPE = "ext:certbridgeKeyedIdNumberHash"


@dataclass(frozen=True)
class Signer:
    did: str
    name: str


def start_of_day(day: date) -> str:
    return f"{day.isoformat()}T00:00:00{CHINA_OFFSET}"


def end_of_day(day: date) -> str:
    # A certificate is still valid on its valid_until day (catalog decision).
    return f"{day.isoformat()}T23:59:59{CHINA_OFFSET}"


def achievement_id(base_url: str, fields: PrintedFields) -> str:
    level = f"/{fields.level_number}" if fields.level_number else ""
    return f"{base_url.rstrip('/')}/achievements/{quote(fields.certificate_type_code)}{level}"


def _title(fields: PrintedFields) -> str:
    parts = [fields.scheme_name, fields.certificate_type]
    if fields.level_label:
        parts.append(fields.level_label)
    return " · ".join(parts)


def _subject(fields: PrintedFields, holder_hash: str, base_url: str) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        # OB 3.0 lets `identifier` stand for the holder; ours is a keyed hash, never the number.
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": HOLDER_HASH_TYPE,
                "hashed": False,
                "identityHash": holder_hash,
            }
        ],
        "achievement": {
            "id": achievement_id(base_url, fields),
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": _title(fields),
            "description": f"{fields.scheme_name}：{fields.certificate_type}",
            "criteria": {
                "narrative": f"经{fields.institution_name or fields.authority_name}评价或考核合格"
            },
        },
        "holderName": fields.holder_name,
        "idType": fields.id_type,
        "idNumberMasked": fields.id_number_masked,
        "certificateScheme": fields.scheme_name,
        "certificateType": fields.certificate_type,
        "certificateTypeCode": fields.certificate_type_code,
        "certificateNumber": fields.certificate_number,
        "issuingAuthority": fields.authority_name,
        "issueDate": fields.issued_on.isoformat(),
    }
    optional = {
        "occupationName": fields.occupation_name,
        "occupationCode": fields.occupation_code,
        "workType": fields.work_type if fields.occupation_name else None,
        "skillLevel": fields.level_label,
        "skillLevelNumber": fields.level_number,
        "operationCategory": fields.category,
        "evaluationInstitution": fields.institution_name,
        "evaluationInstitutionCode": fields.institution_code,
        "expiryDate": fields.valid_until.isoformat() if fields.valid_until else None,
    }
    subject.update({k: v for k, v in optional.items() if v is not None})
    return subject


def build_credential(
    fields: PrintedFields,
    *,
    credential_id: str,
    signer: Signer,
    base_url: str,
    holder_hash: str,
    status: list[dict[str, str]],
) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": credential_contexts(base_url),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _title(fields),
        "issuer": {"id": signer.did, "type": ["Profile"], "name": signer.name},
        "validFrom": start_of_day(fields.issued_on),
        "credentialSubject": _subject(fields, holder_hash, base_url),
        "credentialStatus": status,
    }
    if fields.valid_until:
        credential["validUntil"] = end_of_day(fields.valid_until)
    return credential
