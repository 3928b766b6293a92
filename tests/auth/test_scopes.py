import pytest

from certbridge.auth.scopes import department_may_act, parse_scope
from certbridge.errors import InputError


def test_a_department_scope_names_its_department_and_province() -> None:
    assert parse_scope("department", "mem:14, mohurd:*") == ("mem:14", "mohurd:*")


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("department", "mem"),
        ("department", "police:11"),
        ("department", "mem:1"),
        ("institution", "mem:14"),
        ("regulator", "mem:14"),
        ("admin", "11"),
        ("department", ""),
        ("superuser", "*"),
    ],
)
def test_a_scope_that_does_not_fit_its_role_is_refused(role: str, scope: str) -> None:
    with pytest.raises(InputError):
        parse_scope(role, scope)


def test_a_department_may_act_only_on_its_own_department_and_province() -> None:
    grants = parse_scope("department", "mem:14")
    assert department_may_act(grants, "mem", "14")
    assert not department_may_act(grants, "mem", "11")
    assert not department_may_act(grants, "mohurd", "14")


def test_a_wildcard_province_covers_every_province_of_that_department_only() -> None:
    grants = parse_scope("department", "samr:*")
    assert department_may_act(grants, "samr", "65")
    assert not department_may_act(grants, "mem", "65")
