"""The service modules of this repository as the local runtime sees them, found on disk
(as tools/delivery finds them): a directory under modules/ with a backend/ package, an API
if it has backend/api/, a worker if it has backend/worker/, and its module.toml (queue
settings, the modules it uses, its database: stack/module_toml.py)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from stack.module_toml import (
    ModuleDeclaration,
    check_database_code,
    check_imports_declared,
    check_uses,
    load_declaration,
    with_used_modules,
)

# `from reports.backend.public import ...` or `import reports.backend.public...`
_PUBLIC_IMPORT = re.compile(r"^\s*(?:from|import)\s+(\w+)\.backend\.public\b", re.MULTILINE)


@dataclass(frozen=True)
class ModuleParts:
    name: str
    has_api: bool
    has_worker: bool
    declaration: ModuleDeclaration = field(default_factory=ModuleDeclaration)

    @property
    def has_database(self) -> bool:
        """A PostgreSQL database of its own (module.toml's [database])."""
        return self.declaration.database

    @property
    def uses(self) -> tuple[str, ...]:
        """The modules whose publishers this one uses (module.toml)."""
        return self.declaration.uses


def discover_modules(root: Path) -> list[ModuleParts]:
    """Raises stack.module_toml.DeclarationError, naming the file and the fix, when a
    module.toml is missing or wrong, or the code imports a module it does not declare."""
    modules = root / "modules"
    directories = [d for d in sorted(modules.iterdir()) if (d / "backend").is_dir()] if modules.is_dir() else []
    declarations = {directory.name: load_declaration(directory) for directory in directories}
    check_uses(declarations)
    found = []
    for directory in directories:
        backend = directory / "backend"
        # Tests are not deployed: what only a test imports needs no queue URL or permission.
        sources = [path for path in backend.rglob("*.py") if "tests" not in path.relative_to(backend).parts]
        imported = {m for path in sources for m in _PUBLIC_IMPORT.findall(path.read_text())}
        declaration = declarations[directory.name]
        check_imports_declared(directory.name, declaration, imported & set(declarations))
        check_database_code(directory, declaration)
        found.append(
            ModuleParts(
                directory.name,
                (backend / "api").is_dir(),
                (backend / "worker").is_dir(),
                declaration,
            )
        )
    return found


def select(modules: list[ModuleParts], only: str | None) -> list[ModuleParts]:
    """The modules named in ``only`` ("billing,reports"), all of them without it; a module
    brings the modules it uses, whose queues its publishers send to."""
    if not only:
        return modules
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {module.name for module in modules}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"--only: no module named {', '.join(unknown)} (modules: {', '.join(sorted(known))})")
    selected = with_used_modules(wanted, {module.name: module.uses for module in modules})
    return [module for module in modules if module.name in selected]
