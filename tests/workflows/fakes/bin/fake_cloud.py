"""The shared state and call log of the fake `pulumi` and `gh` (see ../README.md)."""

import json
import os
import sys
from pathlib import Path

STATE_DIR = Path(os.environ["FAKE_CLOUD_DIR"])


def state() -> dict:
    return json.loads((STATE_DIR / "state.json").read_text(encoding="utf-8"))


def save(new_state: dict) -> None:
    (STATE_DIR / "state.json").write_text(json.dumps(new_state, indent=2), encoding="utf-8")


def record(tool: str, args: list[str], **extra: object) -> None:
    with open(STATE_DIR / "calls.jsonl", "a", encoding="utf-8") as log:
        log.write(json.dumps({"tool": tool, "args": args, "cwd": os.getcwd(), **extra}) + "\n")


def unknown(tool: str, args: list[str]) -> None:
    print(f"fake {tool}: this call is not faked: {tool} {' '.join(args)}", file=sys.stderr)
    sys.exit(2)
