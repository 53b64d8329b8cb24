"""A module's contract as its code defines it, rendered byte for byte the same every time."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack.libs.jobs import JobKind

# Under the module's public package: other modules may read it (and ship it with it).
CONTRACT_DIR = "backend/public/contract"
OPENAPI_FILE = "openapi.json"
MESSAGES_FILE = "messages.json"


def canonical_json(document: Any) -> str:
    """One text per document: sorted keys, fixed indent, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Contract:
    """``openapi`` is the module's API schema (None for a module without an API); ``jobs``
    its kind of job, whose queue message (``JobKind.message_model``) is what its queue
    accepts and what its public publisher sends."""

    module: str
    openapi: dict[str, Any] | None
    jobs: JobKind[Any, Any]

    @property
    def directory(self) -> Path:
        return Path("modules") / self.module / CONTRACT_DIR

    @property
    def refresh_command(self) -> str:
        return f"./pants run modules/{self.module}/backend/contract.py"

    def files(self) -> dict[str, str]:
        """File name to text, as committed."""
        messages = {"queue": self.jobs.message_model.model_json_schema(mode="validation")}
        texts = {MESSAGES_FILE: canonical_json(messages)}
        if self.openapi is not None:
            texts[OPENAPI_FILE] = canonical_json(self.openapi)
        return texts

    def drift(self, root: Path) -> list[str]:
        """The committed files under ``root`` that differ from the code's, or are missing
        or left over."""
        directory = root / self.directory
        expected = self.files()
        committed = {path.name for path in directory.glob("*.json")} if directory.is_dir() else set()
        problems = [f"{self.directory / name} is left over" for name in sorted(committed - set(expected))]
        for name, text in sorted(expected.items()):
            path = directory / name
            if not path.is_file():
                problems.append(f"{self.directory / name} is missing")
            elif path.read_text() != text:
                problems.append(f"{self.directory / name} no longer matches the code")
        return problems


def write_contract(contract: Contract, root: Path | None = None) -> list[Path]:
    """Write the contract into the repository at ``root`` (default: the working directory,
    which `./pants run` sets to the repository); returns the files written."""
    root = root or Path.cwd()
    if not (root / "pants.toml").is_file():
        raise SystemExit(f"{root} is not the repository root (no pants.toml); run {contract.refresh_command}")
    directory = root / contract.directory
    directory.mkdir(parents=True, exist_ok=True)
    expected = contract.files()
    for stale in directory.glob("*.json"):
        if stale.name not in expected:
            stale.unlink()
    written = []
    for name, text in sorted(expected.items()):
        (directory / name).write_text(text)
        written.append(directory / name)
    print("\n".join(f"wrote {path.relative_to(root)}" for path in written))
    return written
