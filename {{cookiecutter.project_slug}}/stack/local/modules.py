"""The service modules of this repository as the local runtime sees them, found on disk
(as tools/delivery finds them): a directory under modules/ with a backend/ package, an API
if it has backend/api/, a worker if it has backend/worker/."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModuleParts:
    name: str
    has_api: bool
    has_worker: bool


def discover_modules(root: Path) -> list[ModuleParts]:
    modules = root / "modules"
    found = []
    for directory in sorted(modules.iterdir()) if modules.is_dir() else []:
        backend = directory / "backend"
        if backend.is_dir():
            found.append(ModuleParts(directory.name, (backend / "api").is_dir(), (backend / "worker").is_dir()))
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
