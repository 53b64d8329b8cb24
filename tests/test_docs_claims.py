"""The generated repository's READMEs and docs say only what its code, Pants and workflows do."""

import shutil
from pathlib import Path

import pytest

from tests.docs_claims import PantsFacts, check
from tests.rendering import pants


@pytest.fixture(scope="session")
def pants_facts(project: Path) -> PantsFacts:
    """What Pants knows about the default render: one `list ::` and one `help-all`."""
    return PantsFacts.from_output(pants(project, "list", "::").stdout, pants(project, "help-all").stdout)


def test_docs_make_no_claim_the_repository_contradicts(project: Path, pants_facts: PantsFacts) -> None:
    problems = check(project, pants_facts)
    assert not problems, "\n".join(map(str, problems))


def scratch_docs(project: Path, destination: Path) -> Path:
    """The parts of a render the checker reads, without build output or git history."""
    shutil.copytree(project, destination, symlinks=True, ignore=shutil.ignore_patterns(".git", "dist", ".pants.d"))
    return destination


def append(page: Path, text: str) -> int:
    """Append a paragraph to page; return the line number it starts on."""
    before = page.read_text()
    page.write_text(before + "\n" + text + "\n")
    return before.count("\n") + 2


def test_planted_false_claims_fail_with_page_and_line(project: Path, pants_facts: PantsFacts, tmp_path: Path) -> None:
    root = scratch_docs(project, tmp_path / "repo")
    page = root / "docs/getting-started.md"
    claims = {
        "`./pants run stack/local:down`": "knows no such target",
        "`./pants --changed-sinse=HEAD lint`": "--changed-sinse is not a flag",
        "`./pants generate-lockfiles --resolve=services`": "services is not a resolve",
        "`./pants --filter-target-type=-docker_images package ::`": "-docker_images is not a target type",
        "`./pants deploy ::`": "deploy is not a goal",
        "See `stack/infra/foundation/vpc.py`.": "stack/infra/foundation/vpc.py does not exist",
        "Set `useSpotInstances: false`.": "useSpotInstances is read nowhere",
        "The API reads `REPORTS_QUEUE_ARN`.": "REPORTS_QUEUE_ARN is read nowhere",
        # AWS_REGION has its own name (validation_alias): the module's prefix does not apply.
        "Set `REPORTS_AWS_REGION`.": "REPORTS_AWS_REGION is read nowhere",
        "The *Upkeep* workflow runs daily.": "lockfiles.yml runs on cron ['23 5 * * 1'], not daily",
        "`preview-sweeper.yml` runs every Monday.": "preview-sweeper.yml runs on cron",
        "`deploy-test.yml` deploys the test stack.": "no such workflow",
    }
    lines = {claim: append(page, claim) for claim in claims}

    # Claim 1 of issue 16: a row of the events table that the workflows' `on:` contradict.
    delivery = root / "docs/delivery.md"
    text = delivery.read_text()
    row = "| Push to any other branch | nothing: open a pull request to run CI on it | none |"
    delivery.write_text(text.replace(row, "| Push to any other branch | `ci.yml` only | none |"))
    row_line = text[: text.index(row)].count("\n") + 1
    # Claim 11: a page of the site that no index links.
    index = root / "docs/index.md"
    index.write_text("\n".join(line for line in index.read_text().splitlines() if "(operations.md)" not in line))

    baseline = set(map(str, check(project, pants_facts)))
    found = [str(problem) for problem in check(root, pants_facts) if str(problem) not in baseline]

    for claim, expected in claims.items():
        where = f"docs/getting-started.md:{lines[claim]}: "
        assert any(p.startswith(where) and expected in p for p in found), (claim, found)
    assert any(p.startswith(f"docs/delivery.md:{row_line}: ") and "ci.yml does not run on push" in p for p in found)
    assert "docs/index.md:1: mkdocs.yml's nav has operations.md, but docs/index.md does not link it" in found
    assert len(found) == len(claims) + 2, found


def test_true_claims_like_the_planted_ones_pass(project: Path, pants_facts: PantsFacts, tmp_path: Path) -> None:
    """The same kinds of sentence, true this time: the checks are exact, not merely strict."""
    root = scratch_docs(project, tmp_path / "repo")
    for claim in [
        "`./pants run stack/local:up -- --demo`",
        "`PANTS_PANTSD=false ./pants --changed-since=HEAD --changed-dependents=transitive check`",
        "`./pants generate-lockfiles --resolve=infra`, `./pants test stack/infra::`",
        "Set `useSpot: false`, `alarmThresholds` with `memoryPercent`; the API reads `REPORTS_QUEUE_URL`.",
        # Fields ReportsSettings inherits from JobServiceSettings, read with its prefix.
        "The worker reads `REPORTS_QUEUE_GIVE_UP_SECONDS` and `REPORTS_RETRY_DELAY_SECONDS`.",
        "The *Upkeep* workflow runs every Monday; `preview-sweeper.yml` runs daily at 03:17 UTC.",
    ]:
        append(root / "docs/getting-started.md", claim)
    baseline = set(map(str, check(project, pants_facts)))
    problems = [p for p in check(root, pants_facts) if str(p) not in baseline]
    assert not problems, "\n".join(map(str, problems))
