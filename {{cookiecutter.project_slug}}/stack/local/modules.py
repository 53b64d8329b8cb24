"""The service modules of this repository as the local runtime sees them, found on disk
(as tools/delivery finds them): a directory under modules/ with a backend/ package, an API
if it has backend/api/, a worker if it has backend/worker/, a database if it has
backend/database/."""

import re
from dataclasses import dataclass, field
from pathlib import Path

# `from reports.backend.public import ...` or `import reports.backend.public...`
_PUBLIC_IMPORT = re.compile(r"^\s*(?:from|import)\s+(\w+)\.backend\.public\b", re.MULTILINE)


@dataclass(frozen=True)
class ModuleParts:
    name: str
    has_api: bool
    has_worker: bool
    # The modules whose public package this one's code imports.
    uses: tuple[str, ...] = field(default=())
    has_database: bool = False


def discover_modules(root: Path) -> list[ModuleParts]:
    modules = root / "modules"
    directories = [d for d in sorted(modules.iterdir()) if (d / "backend").is_dir()] if modules.is_dir() else []
    names = {directory.name for directory in directories}
    found = []
    for directory in directories:
        backend = directory / "backend"
        imported = {m for path in backend.rglob("*.py") for m in _PUBLIC_IMPORT.findall(path.read_text())}
        uses = tuple(sorted((imported & names) - {directory.name}))
        found.append(
            ModuleParts(
                directory.name,
                (backend / "api").is_dir(),
                (backend / "worker").is_dir(),
                uses,
                has_database=(backend / "database").is_dir(),
            )
        )
    return found


def select(modules: list[ModuleParts], only: str | None) -> list[ModuleParts]:
    """The modules named in ``only`` ("billing,reports"), all of them without it."""
    if not only:
        return modules
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {module.name for module in modules}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"--only: no module named {', '.join(unknown)} (modules: {', '.join(sorted(known))})")
    return [module for module in modules if module.name in wanted]
