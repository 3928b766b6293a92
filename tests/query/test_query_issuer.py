"""Who issued a certificate: a 职业技能等级证书 is issued by its evaluation institution,
under 人社's supervision; the other schemes by the department's authority."""

from __future__ import annotations

import random
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from certbridge.catalog import generate_number, load_catalog
from certbridge.registry.models import Institution
from certbridge.registry.service import NewCertificate, add_certificate, ensure_authority


def test_a_skill_level_certificate_names_its_institution_as_issuer_and_the_page_says_so(
    client: TestClient, registry, session: Session, keys
) -> None:  # type: ignore[no-untyped-def]
    person, id_number = registry.person("吕宏强")
    institution = Institution(
        code="S000014000001",
        name="山西匠心技工学校",
        kind="S",
        filing_code="0000",
        province_code="14",
    )
    session.add(institution)
    number = generate_number(
        "skill_level", random.Random(3), level=4, year=2023, province_code="14"
    )
    add_certificate(
        session,
        person=person,
        new=NewCertificate(number, load_catalog().resolve_type("焊工"), 4, date(2023, 5, 6)),
        issuer=ensure_authority(session, "mohrss", "14", "山西省"),
        institution=institution,
        keys=keys,
        actor="test",
    )
    registry.certificate(person, id_number, "熔化焊接与热切割作业", issued=date(2022, 3, 1))
    registry.certificate(person, id_number, "电工", level=5, issued=date(2024, 3, 1))
    session.commit()

    body = client.get(
        "/api/v1/certificates", params={"name": "吕宏强", "id_number": id_number}
    ).json()
    issuers = {c["type"]["name"]: c["issuer"] for c in body["certificates"]}
    assert issuers["焊工"] == {
        "kind": "institution",
        "name": "山西匠心技工学校",
        "department": {"code": "mohrss", "name": "人社"},
        "province": {"code": "14", "name": "山西省"},
        "supervised_by": "山西省人力资源和社会保障厅",
    }
    assert issuers["电工"]["kind"] == "institution"
    assert issuers["电工"]["name"] == "评价机构（名称未报送）"
    assert issuers["熔化焊接与热切割作业"]["kind"] == "authority"
    assert issuers["熔化焊接与热切割作业"]["name"] == "山西省应急管理厅"
    assert issuers["熔化焊接与热切割作业"]["supervised_by"] is None

    page = client.post("/query", data={"name": "吕宏强", "id_number": id_number}).text
    assert "发证单位（评价机构）</dt><dd>山西匠心技工学校" in page
    assert "监管部门</dt><dd>山西省人力资源和社会保障厅" in page
