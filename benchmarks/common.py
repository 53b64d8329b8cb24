"""Shared helpers: timed commands, medians, the machine's description, table rendering."""

import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
# Pants as the benchmarks run it: no daemon unless a benchmark asks for one.
PANTS_ENV = {"PANTS_PANTSD": "false", "PANTS_CONCURRENT": "true"}


def _code_python() -> str:
    """The interpreter the generated repository's code runs on (its pants.toml pins CPython
    3.12): $PANTSTACK_CODE_PYTHON, python3.12 on PATH, or pyenv's, where Pants finds it too."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [os.environ.get("PANTSTACK_CODE_PYTHON", ""), "python3.12",
                  *map(str, sorted(pyenv.glob("versions/3.12*/bin/python3.12"), reverse=True))]
    for candidate in filter(None, candidates):
        try:
            found = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                                   capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if found.stdout.strip() == "True":
            return candidate
    raise SystemExit("the benchmarks need CPython 3.12 (python3.12 on PATH, pyenv's, or PANTSTACK_CODE_PYTHON)")


CODE_PYTHON = _code_python()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Timed:
    seconds: float
    returncode: int
    stdout: str
    stderr: str


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 3600) -> Timed:
    """Run a command to completion and time it (wall clock, from spawn to exit)."""
    started = time.perf_counter()
    result = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    return Timed(time.perf_counter() - started, result.returncode, result.stdout, result.stderr)


def pants(project: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> Timed:
    result = timed(["./pants", *args], project, {**PANTS_ENV, **(env or {})})
    if check and result.returncode != 0:
        raise RuntimeError(
            f"./pants {' '.join(args)} exited {result.returncode} in {project}\n"
            f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )
    return result


# Pants' per-target result lines, e.g. "✓ modules/x/backend/tests/test_api.py:tests succeeded in 1.2s."
_RESULT_LINE = re.compile(r"^\s*([✓✕𐄂xX]) (\S+) (succeeded|failed)", re.MULTILINE)
_CACHED = re.compile(r"\((cached|memoized)[^)]*\)")


def test_targets(output: str) -> tuple[int, int, int]:
    """(targets reported, of which failed, of which answered from a cache) in a test run."""
    ran = failed = cached = 0
    for line in output.splitlines():
        match = _RESULT_LINE.match(line)
        if not match:
            continue
        ran += 1
        failed += match.group(3) == "failed"
        cached += bool(_CACHED.search(line))
    return ran, failed, cached


def packages_written(output: str) -> int:
    """How many artifacts a package run wrote ("Wrote dist/..." lines)."""
    return len(set(re.findall(r"Wrote (dist/\S+)", output)))


def failed_targets(output: str) -> list[str]:
    return [match.group(2) for match in _RESULT_LINE.finditer(output) if match.group(3) == "failed"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, str]:
    def out(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = out("free", "-h").splitlines()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": out("nproc"),
        "cpu": cpu,
        "memory": mem[1].split()[1] if len(mem) > 1 else "?",
        "python": out(CODE_PYTHON, "--version") or out("python3", "--version"),
        "os": platform.platform(),
        "load_average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


@dataclass
class Section:
    """One part of the results: a title, a table and notes on what limits its numbers."""

    key: str
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # raw numbers, kept in the JSON only

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |"]
        lines.append("|" + "|".join(" --- " for _ in self.header) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def save(self, results_dir: Path) -> None:
        results_dir.mkdir(parents=True, exist_ok=True)
        (results_dir / f"{self.key}.json").write_text(json.dumps(self.__dict__, indent=1))

    @classmethod
    def load(cls, path: Path) -> "Section":
        return cls(**json.loads(path.read_text()))

    def text(self) -> str:
        widths = [max(len(str(cell)) for cell in column) for column in zip(self.header, *self.rows)]
        rows = [self.header, ["-" * width for width in widths], *self.rows]
        body = "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in rows)
        notes = "\n".join(f"  * {note}" for note in self.notes)
        return f"== {self.title} ==\n{body}\n{notes}\n"


def seconds(value: float) -> str:
    return f"{value:.1f} s" if value == value else "n/a"
