"""The template README's two commands, run as a newcomer would."""

import re
import subprocess
from pathlib import Path

from tests.rendering import TEMPLATE_DIR


def readme_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", (TEMPLATE_DIR / "README.md").read_text(), re.DOTALL)
    assert first_block, "the README must open with a bash block of commands"
    return [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    assert readme_commands() == ["./scripts/demo", "./scripts/test"]
    ci = (TEMPLATE_DIR / ".ci/run").read_text()
    assert "./scripts/test" in ci


def test_demo_creates_a_project_with_cruft_and_runs_a_job_through_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(TEMPLATE_DIR / "scripts/demo"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    project = tmp_path / "acme-services"
    assert (project / ".cruft.json").is_file()
    assert "API -> queue -> worker -> store -> API" in result.stdout
    assert '"state": "done"' in result.stdout
