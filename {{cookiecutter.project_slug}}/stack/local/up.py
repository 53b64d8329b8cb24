"""Run every service module of the repository on this machine, no Docker and no AWS account:

    ./pants run stack/local:up                          # all modules, until Ctrl-C
    ./pants run stack/local:up -- --only billing,reports
    ./pants run stack/local:up -- --demo                # one job through each module and link, then exit

Starts one moto server on loopback, creates every module's queue, dead-letter queue and
bucket in it, starts every module's API (each on its own free port) and worker, prints one
table and follows all logs, each line prefixed by its module. Ctrl-C (or SIGTERM) stops
every worker, then every API, then the emulator, each by its pid. A process that cannot
start stops everything and names its module. ``--demo`` pushes one job through every
module and every ``uses`` link of module.toml (stack/local/demo.py) and exits 0 only if all
completed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stack.libs.settings import ServiceSettings
from stack.local.database import LocalPostgres
from stack.local.demo import run_demo
from stack.local.emulator import MotoEmulator
from stack.local.module import ApiProcess, LocalModule
from stack.local.modules import ModuleParts, discover_modules, select
from stack.local.processes import ManagedProcess, ProcessFailed, stop_together


class Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


class ModuleFailed(Exception):
    def __init__(self, module: str, error: Exception) -> None:
        super().__init__(f"module {module!r} could not start: {error}")
        self.module = module


def _on_signal(signum: int, _frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # no second interruption mid-cleanup
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def local_settings(part: ModuleParts) -> dict[str, str]:
    prefix = f"{part.name.upper()}_"
    return {
        # A short long-poll locally, so Ctrl-C stops the workers within a second or two.
        f"{prefix}RECEIVE_WAIT_SECONDS": "2",
        # As the service stack sets it, from module.toml.
        f"{prefix}VISIBILITY_TIMEOUT_SECONDS": str(part.declaration.queue.visibility_timeout_seconds),
        "LOG_LEVEL": "INFO",
    }


def package(root: Path, parts: list[ModuleParts]) -> None:
    """Build the modules' API and worker PEX files (each in its module's own resolve), as CI does."""
    targets = [f"modules/{p.name}/backend/api:api-server" for p in parts if p.has_api]
    targets += [f"modules/{p.name}/backend/worker:queue-worker" for p in parts if p.has_worker]
    # Nested inside `./pants run`: allow a second Pants process on this repository.
    env = {**os.environ, "PANTS_CONCURRENT": "true", "PANTS_PANTSD": "false"}
    result = subprocess.run(["./pants", "package", *targets], cwd=root, env=env)  # noqa: S603 - our script
    if result.returncode != 0:
        raise ModuleFailed(
            ", ".join(p.name for p in parts), RuntimeError(f"./pants package exited {result.returncode}")
        )


def packaged(root: Path, module: str, component: str, binary: str) -> list[str]:
    return [sys.executable, str(root / "dist" / f"modules.{module}.backend.{component}" / f"{binary}.pex")]


def queue_url(local: LocalModule) -> str:
    if local.resources is None:
        raise RuntimeError(f"{local.module}: create_resources() first")
    return local.resources.queue_url


class Repository:
    """Every selected module deployed into one emulator, each process from its module's PEX."""

    def __init__(self, emulator: MotoEmulator, run_dir: Path, parts: list[ModuleParts], root: Path) -> None:
        self.parts = parts
        self.emulator = emulator
        self.root = root
        self.modules = {
            p.name: LocalModule(
                p.name,
                emulator,
                run_dir / p.name,
                settings=local_settings(p),
                max_receives=p.declaration.queue.max_receives,
                visibility_timeout=p.declaration.queue.visibility_timeout_seconds,
                api_command=packaged(root, p.name, "api", "api-server"),
                worker_command=packaged(root, p.name, "worker", "queue-worker"),
            )
            for p in parts
        }
        self.apis: dict[str, ApiProcess] = {}
        self.workers: dict[str, ManagedProcess] = {}
        # One PostgreSQL for the modules with a database (stack/local/database.py).
        with_database = [p.name for p in parts if p.has_database]
        self.postgres = LocalPostgres(run_dir, with_database) if with_database else None

    def start(self) -> None:
        for local in self.modules.values():
            local.create_resources()
        if self.postgres:
            try:
                self.postgres.start()
            except ProcessFailed as error:
                raise ModuleFailed("postgres", error) from error
        for part in self.parts:
            local = self.modules[part.name]
            # The queues of the modules it uses, for their publishers (JobServiceSettings.uses_queue_urls).
            uses = {name: queue_url(self.modules[name]) for name in part.uses if name in self.modules}
            local.settings = {**local.settings, f"{local.env_prefix}USES_QUEUE_URLS": json.dumps(uses)}
            try:
                if self.postgres and part.has_database:
                    local.settings = {**local.settings, **self.postgres.settings(part.name)}
                    self.postgres.migrate(
                        part.name, packaged(self.root, part.name, "worker", "queue-worker"), local.env()
                    )
                if part.has_api:
                    self.apis[part.name] = local.start_api(name=f"{part.name}-api")
                if part.has_worker:
                    self.workers[part.name] = local.start_worker(name=f"{part.name}-worker")
            except (ProcessFailed, OSError) as error:
                raise ModuleFailed(part.name, error) from error

    def processes(self) -> list[ManagedProcess]:
        return [*(api.process for api in self.apis.values()), *self.workers.values()]

    def stop(self) -> None:
        # Workers first (they finish the jobs in hand), then the APIs; each kind all at once.
        stop_together(list(self.workers.values()), 30)
        stop_together([api.process for api in self.apis.values()], 15)
        for local in self.modules.values():
            local.stop()
        if self.postgres:
            self.postgres.stop()

    def table(self) -> str:
        rows = [("module", "API", "queue", "dead letters", "bucket", "logs")]
        for part in self.parts:
            local = self.modules[part.name]
            assert local.resources is not None
            api = self.apis.get(part.name)
            rows.append(
                (part.name, api.url if api else "-", local.resources.queue_url,
                 local.resources.dead_letter_queue_url, local.resources.bucket_name, str(local.run_dir))
            )  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)


class LogFollower:
    """Prints new JSON log lines of the children as they appear, one short line each."""

    def __init__(self, processes: list[ManagedProcess]) -> None:
        self.processes = processes
        self.offsets = {process.name: 0 for process in processes}

    def poll(self) -> None:
        for process in self.processes:
            try:
                with open(process.log_path, "rb") as log:
                    log.seek(self.offsets[process.name])
                    chunk = log.read()
            except FileNotFoundError:
                continue
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offsets[process.name] += len(complete)
            for line in complete.decode(errors="replace").splitlines():
                print(format_line(process.name, line), flush=True)


def format_line(source: str, line: str) -> str:
    try:
        entry = json.loads(line)
    except ValueError:
        return f"[{source}] {line}"
    clock = entry.pop("time", "")[11:23]
    level, message = entry.pop("level", ""), entry.pop("message", "")
    entry.pop("logger", None)
    details = " ".join(f"{key}={value}" for key, value in entry.items())
    return f"{clock} [{source}] {level:7} {message}  {details}".rstrip()


def follow(repository: Repository) -> int:
    follower = LogFollower(repository.processes())
    while True:
        follower.poll()
        for process in repository.processes():
            if not process.running():
                print(f"\n{process.name} exited with code {process.returncode()}; stopping.", file=sys.stderr)
                return 1
        time.sleep(0.2)


def repository_root() -> Path:
    for candidate in (Path.cwd(), *Path.cwd().parents):
        if (candidate / "pants.toml").is_file():
            return candidate
    return Path.cwd()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="one job through each API, print its journey, exit")
    parser.add_argument("--only", help="comma-separated modules to run (default: every module)")
    parser.add_argument("--region", default=ServiceSettings().aws_region)
    parser.add_argument("--run-dir", type=Path, help="where logs go (default: a new temporary directory)")
    parser.add_argument("--root", type=Path, default=repository_root(), help="the repository (default: this one)")
    args = parser.parse_args(argv)
    try:
        parts = select(discover_modules(args.root), args.only)
    except ValueError as error:  # DeclarationError included: it names the file and the fix
        print(f"up: {error}", file=sys.stderr)
        return 2
    if not parts:
        print(f"up: no service modules under {args.root / 'modules'}", file=sys.stderr)
        return 2

    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="local-up-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    emulator = MotoEmulator(run_dir, args.region)
    repository = Repository(emulator, run_dir, parts, args.root.resolve())
    try:
        print(f"packaging {', '.join(p.name for p in parts)} ...", flush=True)
        package(args.root, parts)
        print("starting the AWS emulator (moto) ...", flush=True)
        emulator.start()
        print(f"starting {', '.join(p.name for p in parts)} ...", flush=True)
        repository.start()
        pids = ", ".join(f"{p.name} pid {p.pid}" for p in [emulator.process, *repository.processes()])
        print(f"started: {pids}", flush=True)
        if args.demo:
            return run_demo(repository)
        print(f"\nrunning on loopback (AWS emulator {emulator.endpoint_url}, fake credentials):\n")
        print(repository.table())
        print("\nAPI docs at <API>/docs. Ctrl-C stops everything.\n", flush=True)
        return follow(repository)
    except Stopped as stopped:
        print(f"\n{stopped} received: stopping the workers, the APIs and the emulator ...", flush=True)
        return 0
    except ModuleFailed as failed:
        print(f"\nup: {failed}", file=sys.stderr)
        return 1
    except ProcessFailed as failed:
        print(f"\nup: could not start the AWS emulator: {failed}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        repository.stop()
        emulator.stop()
        print(f"stopped; logs are in {run_dir}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
