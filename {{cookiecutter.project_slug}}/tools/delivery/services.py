"""The service modules of this repository, found on disk rather than listed by hand.

A service is a directory under modules/ with a Pulumi program (infrastructure/Pulumi.yaml)
or a backend/ package. Its container images are the backend/<component>/Dockerfile files,
so a service added by the new-service command is picked up without editing anything here.
The modules whose public package a service imports are read from its code, so a change to
that public code is delivered to its consumers too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from stack.module_toml import FILE_NAME, check_imports_declared, load_declaration

MODULES_DIR = "modules"

# Pulumi.yaml's top-level `name:` line (no indentation, optional quotes).
_PULUMI_NAME = re.compile(r"""^name:\s*["']?([^"'#\s]+)["']?\s*(?:#.*)?$""", re.MULTILINE)


@dataclass(frozen=True)
class Service:
    name: str
    # Components with a Dockerfile under backend/, e.g. ("api", "worker").
    images: tuple[str, ...]
    # The Pulumi project name from infrastructure/Pulumi.yaml, None without a program.
    pulumi_project: str | None
    # Other modules whose public package this one's code imports (built into its images),
    # and those its module.toml says it uses (its stack reads theirs).
    uses: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"{MODULES_DIR}/{self.name}"

    @property
    def infrastructure_dir(self) -> str:
        return f"{self.path}/infrastructure"

    def dockerfile(self, component: str) -> str:
        return f"{self.path}/backend/{component}/Dockerfile"


def discover_services(root: Path) -> list[Service]:
    """Every service module under root/modules, sorted by name."""
    modules = root / MODULES_DIR
    if not modules.is_dir():
        return []
    directories = [
        p
        for p in sorted(modules.iterdir())
        if p.is_dir() and ((p / "infrastructure" / "Pulumi.yaml").is_file() or (p / "backend").is_dir())
    ]
    names = {p.name for p in directories}
    services = []
    for directory in directories:
        pulumi_yaml = directory / "infrastructure" / "Pulumi.yaml"
        backend = directory / "backend"
        images = tuple(sorted(d.name for d in backend.glob("*") if (d / "Dockerfile").is_file()))
        uses = imported_modules(backend, names - {directory.name})
        if uses or (directory / FILE_NAME).is_file():
            # Its stack grants sends only to what module.toml declares: a deploy must not
            # ship code that publishes to a queue it may not send to.
            declaration = load_declaration(directory)
            check_imports_declared(directory.name, declaration, uses)
            uses |= set(declaration.uses)
        services.append(
            Service(
                name=directory.name,
                images=images,
                pulumi_project=read_pulumi_project(pulumi_yaml) if pulumi_yaml.is_file() else None,
                uses=tuple(sorted(uses)),
            )
        )
    return services


def imported_modules(backend: Path, modules: set[str]) -> set[str]:
    """Which of ``modules`` the non-test code under backend/ imports (``<module>.backend...``)."""
    found: set[str] = set()
    for source in backend.rglob("*.py"):
        if "tests" in source.relative_to(backend).parts:
            continue
        try:
            tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        except SyntaxError:
            continue  # CI's lint reports it; delivery decisions need not fail on it
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                heads = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                heads = [node.module.split(".")[0]]
            else:
                continue
            found.update(head for head in heads if head in modules)
    return found


def read_pulumi_project(pulumi_yaml: Path) -> str:
    """The project name declared in a Pulumi.yaml (standard library only: no YAML parser)."""
    match = _PULUMI_NAME.search(pulumi_yaml.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{pulumi_yaml} has no top-level 'name:' line; Pulumi needs one")
    return match.group(1)
