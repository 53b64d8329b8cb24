import json
from pathlib import Path

import pytest

from tools.delivery.cli import format_output, main
from tools.delivery.tests.conftest import Repo, pr_event, push_event


def _outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file (key=value lines and key<<DELIM blocks)."""
    values: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[key] = "\n".join(block)
        else:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_plan_writes_matrices_for_from_json(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.git("checkout", "-q", "-b", "dev")
    before = repo.head()
    after = repo.commit({"modules/reports/backend/api/app.py": "app = 100\n"}, "feat: x")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(push_event("dev", before, after)))
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("PULUMI_ORG", "acme")

    assert main(["--repo", str(repo.path), "plan"]) == 0

    values = _outputs(output)
    assert values["action"] == "deploy"
    assert values["environment"] == "test"
    assert values["has_images"] == "true"
    assert values["release"] == "true"
    assert json.loads(values["services"]) == ["reports"]
    assert [i["tag"] for i in json.loads(values["images"])] == [
        f"reports-dev-{after[:12]}",
        f"reports-worker-dev-{after[:12]}",
    ]
    assert json.loads(values["plan"])["stacks"][0]["qualified"] == "acme/reports/test"


def test_plan_of_a_docs_only_pull_request_has_empty_matrices(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = repo.head()
    head = repo.commit({"docs/index.md": "# new\n"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event("opened", 3, base, head, "docs/Update")))
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    main(
        [
            "--repo",
            str(repo.path),
            "plan",
            "--event-name",
            "pull_request",
            "--event-path",
            str(event),
            "--pulumi-org",
            "acme",
        ]
    )

    values = _outputs(output)
    assert values["action"] == "preview"
    assert (values["has_images"], values["has_stacks"]) == ("false", "false")
    assert json.loads(values["images"]) == []


def test_plan_without_an_event_explains_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_EVENT_NAME", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    with pytest.raises(SystemExit, match="--event-name and --event-path"):
        main(["plan", "--pulumi-org", "acme"])


def test_ci_scope_command(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = repo.head()
    repo.commit({"stack/libs/settings.py": "X = 1\n"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps(push_event("main", before, repo.head())))
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))

    main(["--repo", str(repo.path), "ci-scope", "--event-name", "push", "--event-path", str(event)])

    assert _outputs(output)["mode"] == "all"


def test_multiline_output_values_use_a_delimiter() -> None:
    assert format_output("a", "x") == "a=x\n"
    assert format_output("a", True) == "a=true\n"
    assert format_output("a", ["x"]) == 'a=["x"]\n'
    block = format_output("body", "line 1\nline 2")
    assert block == "body<<EOF_DELIVERY_OUTPUT\nline 1\nline 2\nEOF_DELIVERY_OUTPUT\n"
    tricky = format_output("body", "EOF_DELIVERY_OUTPUT\nx")
    assert tricky.startswith("body<<EOF_DELIVERY_OUTPUT_\n")


@pytest.mark.parametrize("digests", ["{}", '""', "[]"])
def test_up_refuses_to_deploy_without_the_digests_publish_images_printed(digests: str, tmp_path: Path) -> None:
    args = ["--repo", str(tmp_path), "up", "--work-dir", "modules/reports/infrastructure", "--stack", "test"]
    with pytest.raises(SystemExit, match="--image-digests must be a JSON object"):
        main([*args, "--pulumi-org", "acme", "--image-digests", digests])


def test_the_digests_output_of_publish_images_is_what_up_reads() -> None:
    digests = {"api": "sha256:" + "a" * 64, "worker": "sha256:" + "b" * 64}
    key, _, value = format_output("digests", digests).strip().partition("=")
    assert key == "digests" and json.loads(value) == digests
