"""Generated repositories with N service modules, and one virtualenv with every requirement.

The first service of each repository is created by the real command,
``./pants run tools/new_service:new-service -- svc01``, which renders cookiecutter-service/,
registers the resolve and generates its lockfile. The others run the same code
(``create_service`` from tools/new_service/main.py) without generating a lockfile, and get a
copy of svc01's lockfile instead: their requirements files are identical, so the lockfile
is identical except for the resolve name in its header comment, and Pants checks the
header's requirements and interpreter constraints, not that name. Every later Pants run
(``test``, ``package``) validates those lockfiles; a mismatch would fail the benchmark.
This saves ~50 s of lockfile generation per service.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.common import CODE_PYTHON, TEMPLATE_DIR, log, pants

sys.path.insert(0, str(TEMPLATE_DIR))
from tests.rendering import git, render_project  # noqa: E402


def service_name(index: int) -> str:
    return f"svc{index:02d}"


def build_repo(workdir: Path, services: int) -> Path:
    """A default render with ``services`` new service modules, committed; reused if present."""
    project = workdir / "repos" / f"n{services}" / "acme-services"
    marker = project / ".bench-ready"
    if marker.exists():
        log(f"reusing {project}")
        return project
    if project.parent.exists():
        shutil.rmtree(project.parent)
    log(f"rendering {project} with {services} service modules")
    render_project(project.parent)
    first = service_name(1)
    pants(project, "run", "tools/new_service:new-service", "--", first)
    commit(project, f"add {first}")
    first_lock = (project / "lockfiles" / f"{first}.lock").read_text()
    for index in range(2, services + 1):
        name = service_name(index)
        code = (
            "import sys; from pathlib import Path; from tools.new_service.main import create_service; "
            f"create_service(Path.cwd(), {name!r}, True, True, [], lock=False)"
        )
        subprocess.run([sys.executable, "-c", code], cwd=project, env=_pythonpath(project), check=True,
                       capture_output=True)
        lock = first_lock.replace(f"--resolve={first}", f"--resolve={name}")
        (project / "lockfiles" / f"{name}.lock").write_text(lock)
        commit(project, f"add {name}")
    marker.write_text("ready\n")
    return project


def commit(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)


def _pythonpath(project: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(project)}


def union_requirements(project: Path) -> list[str]:
    """Every service resolve's requirements, stack's and pytest's (comments dropped, deduplicated)."""
    files = sorted((project / "3rdparty/python").glob("*-requirements.txt"))
    wanted = [f for f in files if f.name.split("-requirements")[0] not in {"infra", "tools", "mypy", "ruff"}]
    seen: dict[str, None] = {}
    for path in wanted:
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                seen.setdefault(line, None)
    return list(seen)


def union_venv(workdir: Path, project: Path) -> Path:
    """A virtualenv with the union of the service requirements (for plain pytest and the load runs)."""
    requirements = "\n".join(union_requirements(project)) + "\n"
    venv = workdir / "union-venv"
    stamp = venv / "requirements.txt"
    if stamp.exists() and stamp.read_text() == requirements:
        return venv
    log(f"building {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([CODE_PYTHON, "-m", "venv", str(venv)], check=True)
    (workdir / "union-requirements.txt").write_text(requirements)
    subprocess.run(
        [str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check",
         "-r", str(workdir / "union-requirements.txt")],
        check=True,
    )
    stamp.write_text(requirements)
    return venv
