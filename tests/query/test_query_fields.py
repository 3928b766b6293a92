"""Fields users expect from the official sites: 性别, 证件类型, 聘用单位, review history,
作业项目代号, and a choice of ID type with each type's rules."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge.catalog import load_catalog
from certbridge.exchange import export as exporting
from certbridge.exchange.profile import load_profile
from certbridge.exchange.rules import Issuer
from certbridge.exchange.service import ImportRequest, import_file
from certbridge.identity import (
    identity_hash,
    make_id_number,
    mask_id_number,
    parse_identity,
)
from certbridge.registry.models import Person
from certbridge.registry.sealing import seal
from certbridge.registry.service import (
    Keys,
    NewCertificate,
    add_certificate,
    ensure_authority,
    record_event,
)
from support import Registry

TODAY = date(2026, 11, 29)
SPECIAL_OPERATION_HEADER = [
    "姓名",
    "身份证号",
    "证书编号",
    "准操项目",
    "初领日期",
    "发证机关",
    "聘用单位",
]


@pytest.fixture
def welder(registry: Registry, session: Session) -> dict[str, str]:
    """A man (odd 17th digit) with a reviewed 特种作业 card, a 住建 card and a 叉车 card."""
    person, id_number = registry.person("吕宏强", birth=date(1992, 1, 22))
    assert int(id_number[16]) % 2 == 1
    card, number = registry.certificate(
        person, id_number, "熔化焊接与热切割作业", issued=date(2018, 6, 30)
    )
    for day in (date(2021, 6, 1), date(2024, 6, 4)):
        record_event(session, card, kind="reviewed", effective_on=day, actor="test", reason="")
    building, building_number = registry.certificate(
        person, id_number, "建筑焊工", issued=date(2021, 6, 25)
    )
    record_event(
        session, building, kind="reviewed", effective_on=date(2023, 6, 1), actor="test", reason=""
    )
    registry.certificate(person, id_number, "叉车司机", issued=date(2023, 5, 1))
    session.commit()
    return {
        "name": "吕宏强",
        "id_number": id_number,
        "number": number,
        "building": building_number,
    }


def _person(client: TestClient, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/certificates", params=params)


def test_the_holder_shows_the_id_type_and_the_sex_from_the_17th_digit(
    client: TestClient, welder: dict[str, str], registry: Registry, session: Session
) -> None:
    body = _person(client, name=welder["name"], id_number=welder["id_number"]).json()
    assert body["holder"]["sex"] == "male"
    assert body["holder"]["sex_label"] == "男"
    assert body["holder"]["id_type"] == {"code": "resident", "name": "居民身份证"}
    by_number = client.get(
        f"/api/v1/certificates/{welder['number']}", params={"name": welder["name"]}
    ).json()
    assert by_number["holder"] == body["holder"]
    # A woman holding a 香港 residence permit (sequence even).
    permit = make_id_number("810000", date(1990, 4, 2), 24)
    identity = parse_identity(permit, "hmt_permit")
    holder = Person(
        id_hash=identity_hash(identity.kind, identity.value, registry.keys.hash_key),
        id_masked=mask_id_number(permit),
        id_kind=identity.kind,
        id_sealed=seal(permit, registry.keys.seal_key),
        name="陈美玲",
    )
    session.add(holder)
    session.flush()
    registry.certificate(holder, permit, "电工", level=4, issued=date(2022, 6, 1))
    session.commit()
    answer = _person(client, name="陈美玲", id_number=permit, id_type="hmt_permit").json()
    assert answer["holder"]["sex"] == "female"
    assert answer["holder"]["id_type"] == {"code": "hmt_permit", "name": "港澳台居民居住证"}


def test_the_review_history_is_shown_with_the_schemes_word_on_both_lookup_paths(
    client: TestClient, welder: dict[str, str]
) -> None:
    body = _person(client, name=welder["name"], id_number=welder["id_number"]).json()
    card = next(c for c in body["certificates"] if c["scheme"]["code"] == "special_operation")
    assert card["valid_until"] == "2030-06-30"
    assert card["reviews"] == {
        "word": "复审",
        "history": [
            {"due_on": "2021-06-30", "done_on": "2021-06-01"},
            {"due_on": "2024-06-30", "done_on": "2024-06-04"},
            {"due_on": "2027-06-30", "done_on": None},
        ],
        "last_done_on": "2024-06-04",
        "next_due_on": "2027-06-30",
    }
    building = next(c for c in body["certificates"] if c["scheme"]["code"] == "construction")
    assert building["reviews"]["word"] == "延期复核"
    assert building["reviews"]["last_done_on"] == "2023-06-01"
    skill_free = next(c for c in body["certificates"] if c["scheme"]["code"] == "special_equipment")
    assert skill_free["reviews"]["history"] == [{"due_on": "2027-05-01", "done_on": None}]
    # The plain-ASGI lookup reads settled statuses; it shows the same history.
    by_number = client.get(
        f"/api/v1/certificates/{quote(welder['building'])}", params={"name": welder["name"]}
    ).json()
    assert by_number["certificates"][0] == building


def test_special_equipment_certificates_show_their_item_code(
    client: TestClient, welder: dict[str, str]
) -> None:
    body = _person(client, name=welder["name"], id_number=welder["id_number"]).json()
    forklift = next(c for c in body["certificates"] if c["scheme"]["code"] == "special_equipment")
    assert forklift["type"]["name"] == "叉车司机"
    assert forklift["item_code"] == "N1"
    others = [c for c in body["certificates"] if c["scheme"]["code"] != "special_equipment"]
    assert all(c["item_code"] is None for c in others)
    page = client.post("/query", data={"name": welder["name"], "id_number": welder["id_number"]})
    assert "叉车司机（N1）" in page.text
    assert "项目代号" in page.text
    assert '<span id="holder-sex">男</span>' in page.text
    assert "最近复审日期" in page.text
    assert "2024-06-04" in page.text


def test_the_employer_a_department_sends_is_stored_shown_exported_and_reimported_verbatim(
    client: TestClient, session: Session, keys: Keys, tmp_path: Path
) -> None:
    id_number = make_id_number("350582", date(1991, 12, 27), 415)
    employer = "=福建闽建建设集团有限公司"  # verbatim: exports are for systems
    path = tmp_path / "mem.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SPECIAL_OPERATION_HEADER)
        writer.writerow(
            ["王涵芳", id_number, "T" + id_number, "低压电工作业", "2023-02-01", "", employer]
        )
    profile = load_profile("mem_special_operation")
    request = ImportRequest(profile=profile, issuer=Issuer("mem", "35"), actor="test", today=TODAY)
    assert import_file(session, path, request, keys).accepted == 1
    session.commit()
    body = _person(client, name="王涵芳", id_number=id_number).json()
    assert body["certificates"][0]["employer"] == employer
    page = client.post("/query", data={"name": "王涵芳", "id_number": id_number})
    assert "聘用单位" in page.text
    assert "福建闽建建设集团有限公司" in page.text

    out = io.StringIO()
    rows = exporting.export_rows(
        session, profile, scheme="special_operation", keys=keys, as_of=TODAY
    )
    exporting.write_export(rows, profile, "csv", out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["聘用单位"] == employer
    exported = tmp_path / "export.csv"
    exported.write_text(out.getvalue(), encoding="utf-8")
    assert import_file(session, exported, request, keys).unchanged == 1

    # A new employer is an update; a file without one keeps what is registered.
    for value, outcome, shown in (
        ("福州市某钢结构有限公司", "updated", "福州市某钢结构有限公司"),
        ("", "unchanged", "福州市某钢结构有限公司"),
    ):
        changed = tmp_path / f"change-{outcome}.csv"
        with changed.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(SPECIAL_OPERATION_HEADER)
            writer.writerow(
                ["王涵芳", id_number, "T" + id_number, "低压电工作业", "2023-02-01", "", value]
            )
        report = import_file(session, changed, request, keys)
        assert getattr(report, outcome) == 1, outcome
        session.commit()
        body = _person(client, name="王涵芳", id_number=id_number).json()
        assert body["certificates"][0]["employer"] == shown


def test_an_over_long_employer_is_refused_with_its_rule(
    session: Session, keys: Keys, tmp_path: Path
) -> None:
    id_number = make_id_number("350582", date(1991, 12, 27), 415)
    path = tmp_path / "mem.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SPECIAL_OPERATION_HEADER)
        writer.writerow(
            ["王涵芳", id_number, "T" + id_number, "低压电工作业", "2023-02-01", "", "厂" * 121]
        )
    profile = load_profile("mem_special_operation")
    request = ImportRequest(profile=profile, issuer=Issuer("mem", "35"), actor="test", today=TODAY)
    report = import_file(session, path, request, keys)
    assert report.rejected == 1
    assert report.rejected_rows[0].errors[0].code == "employer.too_long"


@pytest.mark.parametrize(
    ("id_type", "number", "code", "words"),
    [
        (
            "resident",
            make_id_number("810000", date(1990, 4, 2), 24),
            "id_number.type_mismatch",
            "港澳台",
        ),
        (
            "hmt_permit",
            make_id_number("110101", date(1990, 4, 2), 24),
            "id_number.permit_prefix",
            "81",
        ),
        ("foreign_permanent", "110101199004020241", "id_number.foreign_permanent", "以9开头"),
        ("passport", "123456789", "id_number.passport_nationality", "国籍代码"),
        ("军官证", "123456789", "id_type.unknown", "证件类型"),
    ],
)
def test_the_person_query_checks_the_number_by_the_chosen_id_type(
    client: TestClient, id_type: str, number: str, code: str, words: str
) -> None:
    response = _person(client, name="王涵芳", id_number=number, id_type=id_type)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_a_passport_holder_is_found_by_nationality_and_number_and_only_as_a_passport(
    client: TestClient, session: Session, registry: Registry
) -> None:
    # No import format carries passports yet: the holder is written as a service would.
    identity = parse_identity("USA 123456789", "passport")
    holder = Person(
        id_hash=identity_hash(identity.kind, identity.value, registry.keys.hash_key),
        id_masked=mask_id_number(identity.value),
        id_kind=identity.kind,
        id_sealed=seal(identity.value, registry.keys.seal_key),
        name="JOHN SMITH",
    )
    session.add(holder)
    session.flush()
    catalog = load_catalog()
    add_certificate(
        session,
        person=holder,
        new=NewCertificate(
            number="S000035000001224000007",
            type=catalog.resolve_type("电工"),
            level=4,
            issued_on=date(2022, 6, 1),
        ),
        issuer=ensure_authority(session, "mohrss", "35", "福建省"),
        institution=None,
        keys=registry.keys,
        actor="test",
    )
    session.commit()
    found = _person(client, name="JOHN SMITH", id_number="usa-123456789", id_type="passport")
    assert found.status_code == 200, found.text
    assert found.json()["holder"]["id_type"] == {"code": "passport", "name": "护照"}
    assert found.json()["holder"]["sex"] == "unknown"
    other_country = _person(client, name="JOHN SMITH", id_number="CAN123456789", id_type="passport")
    assert other_country.status_code == 404


def test_without_an_id_type_the_person_query_answers_as_before(
    client: TestClient, welder: dict[str, str]
) -> None:
    with_type = _person(
        client, name=welder["name"], id_number=welder["id_number"], id_type="居民身份证"
    )
    without = _person(client, name=welder["name"], id_number=welder["id_number"])
    assert with_type.status_code == without.status_code == 200
    assert with_type.json() == without.json()


def test_the_query_form_offers_the_four_id_types_and_keeps_the_choice_after_an_error(
    client: TestClient,
) -> None:
    form = client.get("/")
    for label in ("居民身份证", "港澳台居民居住证", "外国人永久居留身份证", "护照"):
        assert label in form.text
    assert 'name="id_type"' in form.text
    refused = client.post(
        "/query", data={"name": "王涵芳", "id_number": "987650001", "id_type": "passport"}
    )
    assert refused.status_code == 422
    assert "国籍代码" in refused.text
    assert '<option value="passport" selected>' in refused.text
    assert "987650001" in refused.text  # kept, as typed (the answer is no-store)
