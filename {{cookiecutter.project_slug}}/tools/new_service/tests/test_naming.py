from pathlib import Path

import pytest

from tools.new_service.naming import InvalidName, check_name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Billing", "is not valid"),
        ("b", "is not valid"),
        ("bill-ing", "is not valid"),
        ("9lives", "is not valid"),
        ("class", "would shadow"),
        ("json", "would shadow"),
        ("stack", "reserved"),
        ("fastapi", "reserved"),
    ],
)
def test_invalid_names(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(InvalidName, match=reason):
        check_name(name, tmp_path)


def test_existing_module(tmp_path: Path) -> None:
    (tmp_path / "modules" / "billing").mkdir(parents=True)
    with pytest.raises(InvalidName, match="already exists at modules/billing"):
        check_name("billing", tmp_path)


@pytest.mark.parametrize("name", ["billing", "audit_log", "v2api"])
def test_valid_names(tmp_path: Path, name: str) -> None:
    check_name(name, tmp_path)
