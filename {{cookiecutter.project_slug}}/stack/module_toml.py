"""A module's declaration, ``modules/<module>/module.toml``: the AWS resources it owns and
the modules it calls.

One file, read by everything that makes the module's resources or wires it to others: its
Pulumi program (stack/infra/service_stack.py), the local runtime (`./pants run
stack/local:up`) and docker-compose.yml (stack/local/compose.py). So the queue a test runs
against is the queue AWS gets, and a module may send to another's queue in AWS exactly when
this file says it uses that module. Standard library only: any interpreter reads it.
"""

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "module.toml"
_MODULE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class DeclarationError(ValueError):
    """The file is missing or says something this code does not know."""


@dataclass(frozen=True)
class QueueDeclaration:
    # Seconds a received job stays hidden from other workers. The worker extends it while
    # it works, so it bounds how long the job of a worker that died waits to be retried.
    visibility_timeout_seconds: int = 120
    # Deliveries before a job moves to the dead-letter queue (the last one marks it failed).
    max_receives: int = 5


@dataclass(frozen=True)
class ModuleDeclaration:
    # The modules whose public publisher this one uses: it gets their queue URLs
    # (<PREFIX>USES_QUEUE_URLS) and, in AWS, sqs:SendMessage on exactly those queues.
    uses: tuple[str, ...] = ()
    queue: QueueDeclaration = field(default_factory=QueueDeclaration)
    # A PostgreSQL of its own (docs/database.md): an RDS instance in AWS, a database of the
    # local PostgreSQL under `up` and docker-compose. Its code lives in backend/database/.
    database: bool = False


_QUEUE_LIMITS = {"visibility_timeout_seconds": (0, 43200), "max_receives": (1, 1000)}


def parse_declaration(text: str, source: str, module: str | None = None) -> ModuleDeclaration:
    """``source`` names the file in errors; ``module``, if given, may not use itself."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclarationError(f"{source}: not valid TOML: {error}") from error
    _known(data, {"uses", "queue", "database"}, source)
    uses = data.get("uses", [])
    if not isinstance(uses, list) or not all(isinstance(name, str) and _MODULE_NAME.fullmatch(name) for name in uses):
        raise DeclarationError(f'{source}: uses must be a list of module names, e.g. uses = ["reports"]')
    if module is not None and module in uses:
        raise DeclarationError(f"{source}: a module does not use itself; remove {module!r} from uses")
    queue = data.get("queue", {})
    if not isinstance(queue, dict):
        raise DeclarationError(f"{source}: [queue] must be a table")
    _known(queue, set(_QUEUE_LIMITS), source, "[queue] ")
    for key, value in queue.items():
        low, high = _QUEUE_LIMITS[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise DeclarationError(
                f"{source}: [queue] {key} must be a whole number from {low} to {high}, not {value!r}"
            )
    database = data.get("database")
    if database is not None and not isinstance(database, dict):
        raise DeclarationError(f"{source}: database must be a table: write [database] on a line of its own")
    if database:
        raise DeclarationError(
            f"{source}: [database] takes no settings ({', '.join(sorted(database))}); sizes, backups and "
            "Multi-AZ are the `database` settings of Pulumi.<stack>.yaml (docs/database.md)"
        )
    return ModuleDeclaration(
        uses=tuple(sorted(set(uses))), queue=QueueDeclaration(**queue), database=database is not None
    )


def load_declaration(module_dir: Path) -> ModuleDeclaration:
    path = module_dir / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeclarationError(
            f"{path} is missing: every module declares its resources there (copy modules/reports/{FILE_NAME})"
        ) from None
    return parse_declaration(text, str(path), module_dir.name)


def check_database_code(module_dir: Path, declaration: ModuleDeclaration) -> None:
    """[database] and backend/database/ come together. Checked where the whole module is on
    disk (the local runtime); a stack's test sandbox holds only the module.toml."""
    path, code = module_dir / FILE_NAME, module_dir / "backend" / "database"
    if declaration.database and not code.is_dir():
        raise DeclarationError(
            f"{path} declares [database] but {code} is missing: add the module's database code "
            "(docs/database.md, 'Adding a database to an existing module') or remove [database]"
        )
    if code.is_dir() and not declaration.database:
        raise DeclarationError(
            f"{code} exists but {path} does not declare it: add a [database] table there, "
            "so its stack, the local runtime and docker-compose give it a PostgreSQL"
        )


def check_uses(declarations: dict[str, ModuleDeclaration]) -> None:
    """Every module a declaration uses exists."""
    for module, declaration in sorted(declarations.items()):
        unknown = [name for name in declaration.uses if name not in declarations]
        if unknown:
            raise DeclarationError(
                f"modules/{module}/{FILE_NAME}: uses {', '.join(unknown)}, which is not a module here "
                f"(modules: {', '.join(sorted(declarations))})"
            )


def with_used_modules(names: Iterable[str], uses_of: Mapping[str, Iterable[str]]) -> set[str]:
    """``names`` and every module they use, directly or through another; ``uses_of`` maps
    each module to the modules it uses (names it does not know are left out)."""
    wanted, found = list(names), set()
    while wanted:
        name = wanted.pop()
        if name in uses_of and name not in found:
            found.add(name)
            wanted.extend(uses_of[name])
    return found


def check_imports_declared(module: str, declaration: ModuleDeclaration, imported: set[str]) -> None:
    """A module whose code imports another's public package declares that it uses it, so
    its stack gets the permission and the queue URL its publisher needs."""
    undeclared = sorted(imported - set(declaration.uses) - {module})
    if undeclared:
        listed = ", ".join(f'"{name}"' for name in sorted({*declaration.uses, *undeclared}))
        raise DeclarationError(
            f"modules/{module} imports the public package of {', '.join(undeclared)} but its {FILE_NAME} "
            f"does not say so: set uses = [{listed}] there"
        )


def _known(table: dict[str, Any], known: set[str], source: str, where: str = "") -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise DeclarationError(
            f"{source}: {where}unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
