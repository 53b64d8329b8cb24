"""python3 -m tools.contracts check-breaking [--base REV] [--title TITLE]

In a pull request's workflow the base commit and the title come from the event payload file
($GITHUB_EVENT_PATH), never from the command line of a shell (the title is untrusted)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tools.contracts.check import check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tools.contracts")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check-breaking", help="fail on contract changes that break clients, unless announced")
    p.add_argument("--base", help="the branch or commit merged into (default: the event's pull_request.base.sha)")
    p.add_argument("--head", default="HEAD")
    p.add_argument("--title", help="the pull request's title (default: the event's)")
    p.add_argument("--repo", default=".")
    args = parser.parse_args(argv)
    base, title = args.base, args.title
    event_path = os.environ.get("GITHUB_EVENT_PATH")
    if event_path and (base is None or title is None):
        pull_request = json.loads(Path(event_path).read_text()).get("pull_request", {})
        base = base or pull_request.get("base", {}).get("sha")
        title = title if title is not None else pull_request.get("title")
    if not base:
        parser.error("give --base (in a pull request's workflow it comes from the event)")
    ok, message = check(Path(args.repo), base, args.head, title)
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
