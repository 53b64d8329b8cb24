from pathlib import Path

import pytest

from tools.new_service.main import main


def test_outside_a_repository_it_says_where_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["billing"]) == 2
    err = capsys.readouterr().err
    assert "run this from inside the repository" in err and "Nothing was changed." in err
    assert list(tmp_path.iterdir()) == []


def test_a_database_needs_the_worker_whose_image_runs_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pants.toml").write_text("")
    (tmp_path / "cookiecutter-service").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["billing", "--with-database", "--no-worker"]) == 2
    err = capsys.readouterr().err
    assert "--with-database needs the worker" in err and "Nothing was changed." in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cookiecutter-service", "pants.toml"]
