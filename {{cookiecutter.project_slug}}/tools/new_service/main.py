"""Create a service module: ./pants run tools/new_service:new-service -- NAME [options].

Renders cookiecutter-service/ into modules/NAME, registers the module's resolve (pants.toml,
the BUILD prelude, 3rdparty/python, ruff's first-party list), writes its requirements file
and generates its lockfile. Any failure undoes every change it made.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cookiecutter.main import cookiecutter

from tools.contracts.breaking import openapi_breaks
from tools.new_service import consumer_tests, registry
from tools.new_service.naming import InvalidName, check_name

if TYPE_CHECKING:
    from tools.new_service.from_contract import FromContract


class NewServiceError(Exception):
    pass


class Changes:
    """Files written and folders created, remembered so that all of it can be undone."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.originals: dict[Path, str | None] = {}
        self.created_dirs: list[Path] = []

    def write(self, relative: str, text: str) -> None:
        path = self.repo / relative
        if path not in self.originals:
            self.originals[path] = path.read_text() if path.exists() else None
        path.write_text(text)

    def edit(self, relative: str, change) -> None:
        self.write(relative, change((self.repo / relative).read_text()))

    def move_dir(self, source: Path, relative: str) -> None:
        destination = self.repo / relative
        shutil.move(str(source), str(destination))
        self.created_dirs.append(destination)

    def undo(self) -> None:
        for directory in reversed(self.created_dirs):
            shutil.rmtree(directory, ignore_errors=True)
        for path, original in self.originals.items():
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(original)


def find_repo_root(start: Path) -> Path:
    for candidate in (start, *start.parents):
        if (candidate / "pants.toml").is_file() and (candidate / "cookiecutter-service").is_dir():
            return candidate
    raise NewServiceError("run this from inside the repository (no pants.toml with cookiecutter-service/ found)")


def paths_touched(name: str, uses: list[str]) -> list[str]:
    """Every path the command writes or creates."""
    paths = [
        "pants.toml",
        "build-support/service_resolves.py",
        "3rdparty/python/BUILD",
        "ruff.toml",
        f"modules/{name}",
        f"3rdparty/python/{name}-requirements.txt",
        f"lockfiles/{name}.lock",
        "docker-compose.yml",
    ]
    for provider in uses:
        paths += [f"modules/{provider}/backend/public/BUILD", f"modules/{provider}/backend/schemas/BUILD"]
    return paths


def check_clean(repo: Path, name: str, uses: list[str]) -> None:
    """Refuse to start when a file the command rewrites has uncommitted changes."""
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", *paths_touched(name, uses)],  # noqa: S603, S607 - git, fixed arguments
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if status.returncode != 0:
        raise NewServiceError(f"git status failed: {status.stderr.strip()} (the repository must be a git checkout)")
    if status.stdout.strip():
        raise NewServiceError(
            "these files have uncommitted changes that the command would overwrite; commit or stash them first:\n"
            + status.stdout.rstrip()
        )


def generate_lockfile(repo: Path, name: str) -> None:
    # Nested inside `./pants run`: allow a second Pants process on this repo.
    env = {**os.environ, "PANTS_CONCURRENT": "true", "PANTS_PANTSD": "false"}
    result = subprocess.run(["./pants", "generate-lockfiles", f"--resolve={name}"], cwd=repo, env=env)  # noqa: S603
    if result.returncode != 0:
        raise NewServiceError(
            f"generating lockfiles/{name}.lock failed (exit {result.returncode}, output above); "
            "check that PyPI is reachable and try again"
        )


def _requirement_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}


def sibling_lockfile(repo: Path, name: str, requirements: str) -> tuple[str, str] | None:
    """(module, lockfile text for ``name``) of a module with exactly these requirements: its
    pins serve the new module too, the same versions across modules, without a new resolve."""
    wanted = _requirement_lines(requirements)
    for listing in sorted((repo / "3rdparty/python").glob("*-requirements.txt")):
        module = listing.name.removesuffix("-requirements.txt")
        lock = repo / f"lockfiles/{module}.lock"
        if module == name or not (repo / "modules" / module).is_dir() or not lock.is_file():
            continue
        if _requirement_lines(listing.read_text()) == wanted:
            return module, lock.read_text().replace(f"--resolve={module}\n", f"--resolve={name}\n", 1)
    return None


def write_compose_file(repo: Path) -> None:
    """docker-compose.yml gets the new module's containers (stack/local/compose.py)."""
    result = subprocess.run([sys.executable, "stack/local/compose.py"], cwd=repo)  # noqa: S603 - our script
    if result.returncode != 0:
        raise NewServiceError(f"writing docker-compose.yml failed (exit {result.returncode}, output above)")


def format_module(repo: Path, name: str) -> None:
    """The template's lines fit for any name only once the formatters saw them (a long name
    makes a long line): apply black and ruff's fixes to the new module."""
    env = {**os.environ, "PANTS_CONCURRENT": "true", "PANTS_PANTSD": "false"}
    result = subprocess.run(["./pants", "fix", "fmt", f"modules/{name}::"], cwd=repo, env=env)  # noqa: S603
    if result.returncode != 0:
        raise NewServiceError(f"formatting modules/{name} failed (exit {result.returncode}, output above)")


def write_contract(repo: Path, name: str) -> None:
    """The module's first committed contract (docs/contracts.md), which its tests compare."""
    env = {**os.environ, "PANTS_CONCURRENT": "true", "PANTS_PANTSD": "false"}
    result = subprocess.run(["./pants", "run", f"modules/{name}/backend/contract.py"], cwd=repo, env=env)  # noqa: S603
    if result.returncode != 0:
        raise NewServiceError(f"writing modules/{name}'s contract failed (exit {result.returncode}, output above)")


def check_contract_kept(repo: Path, name: str, source: "FromContract") -> None:
    """The module's API, as its code now defines it, offers what the document promised."""
    written = json.loads((repo / f"modules/{name}/backend/public/contract/openapi.json").read_text())
    breaks = openapi_breaks(source.spec, written)
    if breaks:
        raise NewServiceError(
            f"the module made from {source.source} would not keep that contract (a construct the generator "
            "does not carry over); simplify these parts of the document:\n  " + "\n  ".join(breaks)
        )


def declare_uses(declaration: Path, uses: list[str]) -> None:
    """module.toml says which modules this one uses: its stack may send to their queues."""
    text = declaration.read_text()
    empty = "\nuses = []\n"
    if empty not in text:
        raise NewServiceError(f"the service template's module.toml has no `uses = []` line to fill in: {declaration}")
    declaration.write_text(text.replace(empty, f"\nuses = {json.dumps(sorted(set(uses)))}\n", 1))


def create_service(
    repo: Path,
    name: str,
    has_api: bool,
    has_worker: bool,
    uses: list[str],
    lock: bool = True,
    database: bool = False,
    contract: Path | None = None,
) -> None:
    if not (has_api or has_worker):
        raise NewServiceError("a service needs an API, a worker or both: drop one of --no-api / --no-worker")
    if database and not has_worker:
        raise NewServiceError("--with-database needs the worker: its image runs the migrations (drop --no-worker)")
    if contract is not None and not has_api:
        raise NewServiceError("--from-contract makes the module's API from the document: drop --no-api")
    try:
        check_name(name, repo)
    except InvalidName as invalid:
        raise NewServiceError(str(invalid)) from invalid
    for provider in uses:
        if not (repo / "modules" / provider / "backend" / "public").is_dir():
            raise NewServiceError(f"--uses {provider}: there is no module with a public package at modules/{provider}")
    check_clean(repo, name, uses)
    source = None
    if contract is not None:
        # Imported here: the generator is needed only by --from-contract (and only in the tools resolve).
        from tools.new_service.from_contract import ContractError, load

        try:
            source = load(contract)
            models, routes = source.models(), source.routes(name)
        except ContractError as error:
            raise NewServiceError(str(error)) from error

    changes = Changes(repo)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            rendered = Path(
                cookiecutter(
                    str(repo / "cookiecutter-service"),
                    no_input=True,
                    output_dir=scratch,
                    extra_context={
                        "service_name": name,
                        "has_api": "yes" if has_api else "no",
                        "has_worker": "yes" if has_worker else "no",
                        "has_database": "yes" if database else "no",
                        "from_contract": "yes" if source else "no",
                    },
                )
            )
            requirements = (rendered / "requirements.txt").read_text()
            (rendered / "requirements.txt").unlink()
            declare_uses(rendered / "module.toml", uses)
            for provider in sorted(set(uses)):
                text, notes = consumer_tests.render(name, provider, repo)
                if text:
                    (rendered / consumer_tests.test_path(provider)).write_text(text)
                for note in notes:
                    print(note)
            if source is not None:
                (rendered / "backend/schemas/api_models.py").write_text(models)
                (rendered / "backend/api/contract_routes.py").write_text(routes)
            changes.move_dir(rendered, f"modules/{name}")
        changes.write(f"3rdparty/python/{name}-requirements.txt", requirements)
        changes.edit("3rdparty/python/BUILD", lambda text: registry.add_requirements_target(text, name))
        changes.edit("pants.toml", lambda text: registry.add_resolve(text, name))
        changes.edit("build-support/service_resolves.py", lambda text: registry.add_service_resolve(text, name))
        if database:
            changes.edit("build-support/service_resolves.py", lambda text: registry.add_database_resolve(text, name))
        changes.edit("ruff.toml", lambda text: registry.add_first_party(text, name))
        for provider in uses:
            for part in ("public", "schemas"):
                changes.edit(
                    f"modules/{provider}/backend/{part}/BUILD",
                    lambda text, provider=provider: registry.share_into_resolve(text, provider, name),
                )
        changes.edit("docker-compose.yml", lambda text: text)  # remembered, so that undo restores it
        write_compose_file(repo)
        if lock:
            changes.originals.setdefault(repo / f"lockfiles/{name}.lock", None)
            sibling = sibling_lockfile(repo, name, requirements)
            if sibling is None:
                generate_lockfile(repo, name)
            else:
                changes.write(f"lockfiles/{name}.lock", sibling[1])
                print(
                    f"lockfiles/{name}.lock: the same requirements as modules/{sibling[0]}, so the same pins "
                    f"(newer releases: ./pants generate-lockfiles --resolve={name})"
                )
            format_module(repo, name)
            write_contract(repo, name)
            if source is not None:
                check_contract_kept(repo, name, source)
    except BaseException:
        changes.undo()
        raise


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="new-service", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the module's name: lowercase letters, digits, '_' (e.g. billing)")
    parser.add_argument("--no-api", dest="has_api", action="store_false", help="no HTTP API (worker only)")
    parser.add_argument("--no-worker", dest="has_worker", action="store_false", help="no queue worker (API only)")
    parser.add_argument(
        "--with-database",
        dest="database",
        action="store_true",
        help="a PostgreSQL database: SQLAlchemy, Alembic migrations, a repository (docs/database.md)",
    )
    parser.add_argument(
        "--from-contract",
        dest="contract",
        metavar="OPENAPI_FILE",
        help="start the API from an OpenAPI 3 document: models and route stubs generated (docs/contracts.md)",
    )
    parser.add_argument(
        "--uses",
        action="append",
        default=[],
        metavar="MODULE",
        help="a module whose public package this one imports (repeatable)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        repo = find_repo_root(Path.cwd())
        contract = None if args.contract is None else Path.cwd() / args.contract
        create_service(
            repo, args.name, args.has_api, args.has_worker, args.uses, database=args.database, contract=contract
        )
    except (NewServiceError, registry.RegistryError) as error:
        print(f"new-service: {error}\nNothing was changed.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("new-service: interrupted; every change was undone.", file=sys.stderr)
        return 130
    except Exception as error:
        print(f"new-service: failed ({type(error).__name__}: {error}); every change was undone.", file=sys.stderr)
        return 1
    print(
        f"Created modules/{args.name} with resolve {args.name!r} and lockfiles/{args.name}.lock.\n"
        f"Next: ./pants test modules/{args.name}:: and commit the new files."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
