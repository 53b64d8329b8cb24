"""Checks what a rendered repository's READMEs and docs pages claim against the repository.

A short list of exact checks, each naming the page and line of the claim it rejects:
- a `./pants` command uses only goals, flags, resolves, target types and targets Pants knows;
- a repository path in backticks (or a relative link) exists;
- a workflow named as `x.yml` exists; the events table's rows match the workflows' `on:`
  blocks; a schedule said of one workflow ("daily", "every Monday", "03:17 UTC") is its cron;
- an environment variable (`UPPER_SNAKE`) or stack setting (`camelCase`) in backticks is read
  somewhere in the code (or is a Pants option);
- every page of the mkdocs nav is linked from docs/index.md and the README.
What Pants knows comes from `./pants list ::` and `./pants help-all`, run once (PantsFacts).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    page: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.message}"


@dataclass(frozen=True)
class PantsFacts:
    addresses: frozenset[str]
    goals: frozenset[str]
    # Flags valid anywhere (scoped, e.g. --pytest-args, and global ones) and per goal.
    flags: frozenset[str]
    goal_flags: dict[str, frozenset[str]]
    env_vars: frozenset[str]
    target_types: frozenset[str]

    @classmethod
    def from_output(cls, list_output: str, help_all_json: str) -> PantsFacts:
        help_all = json.loads(help_all_json)
        scopes = help_all["scope_to_help_info"]

        def options(scope: dict) -> list[dict]:
            return scope["basic"] + scope["advanced"] + scope["deprecated"]

        flags = {arg for scope in scopes.values() for o in options(scope) for arg in o["scoped_cmd_line_args"]}
        flags |= {arg for o in options(scopes[""]) for arg in o["unscoped_cmd_line_args"]}
        return cls(
            addresses=frozenset(line.strip().removeprefix("//") for line in list_output.splitlines() if line.strip()),
            goals=frozenset(help_all["name_to_goal_info"]),
            flags=frozenset(flags),
            goal_flags={
                name: frozenset(arg for o in options(scope) for arg in o["unscoped_cmd_line_args"])
                for name, scope in scopes.items()
                if scope["is_goal"]
            },
            env_vars=frozenset(o["env_var"] for scope in scopes.values() for o in options(scope)),
            target_types=frozenset(help_all["name_to_target_type_info"]),
        )


def pages(root: Path) -> list[Path]:
    """The READMEs and docs pages (not cookiecutter-service/'s: a template, not this repo)."""
    readmes = [p for p in root.glob("**/README.md") if p.relative_to(root).parts[0] not in {"cookiecutter-service", "dist"}]
    return sorted([*readmes, *(root / "docs").glob("**/*.md"), *(root / ".github").glob("*.md")])


def check(root: Path, facts: PantsFacts) -> list[Problem]:
    code = CodeIndex(root)
    workflows = Workflows(root)
    problems: list[Problem] = []
    for page in pages(root):
        rel = page.relative_to(root).as_posix()
        text = page.read_text(encoding="utf-8")
        for line, message in [
            *_pants_commands(text, root, facts),
            *_paths(text, root, page),
            *workflows.problems(text),
            *_settings(text, code, facts),
        ]:
            problems.append(Problem(rel, line, message))
    problems += _nav_is_indexed(root)
    return problems


# --- Markdown pieces, each with its line number -------------------------------------------


def _code_blocks(text: str) -> list[tuple[int, str]]:
    """Lines inside fenced code blocks, and indented (4+ spaces) code lines."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced or (line.startswith("    ") and line.strip()):
            found.append((number, line))
    return found


def _prose(text: str) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            found.append((number, line))
    return found


def _spans(text: str) -> list[tuple[int, str]]:
    """Inline code spans (`...`) outside fenced blocks."""
    return [(n, span) for n, line in _prose(text) for span in re.findall(r"`([^`]+)`", line)]


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Blocks of prose (a paragraph, a list item or a table row) with their first line."""
    blocks: list[tuple[int, list[str]]] = []
    for number, line in _prose(text):
        starts = line.lstrip().startswith(("- ", "* ", "|")) or re.match(r"\s*\d+\. ", line)
        if not line.strip():
            blocks.append((number, []))
        elif starts or not blocks or not blocks[-1][1] or blocks[-1][1][0].lstrip().startswith("|"):
            blocks.append((number, [line]))
        else:
            blocks[-1][1].append(line)
    return [(n, " ".join(lines)) for n, lines in blocks if lines]


# --- ./pants commands --------------------------------------------------------------------


def _pants_commands(text: str, root: Path, facts: PantsFacts) -> list[tuple[int, str]]:
    commands = [(n, line) for n, line in _code_blocks(text)] + [(n, s) for n, s in _spans(text)]
    resolves = set(tomllib.loads((root / "pants.toml").read_text())["python"]["resolves"])
    problems = []
    for number, line in commands:
        match = re.search(r"(?:^|\s|&&\s*)\./pants\s+(.*)", line)
        if not match:
            continue
        try:
            words = shlex.split(match.group(1), comments=True)
        except ValueError:
            words = match.group(1).split()
        for problem in _pants_words(words, root, facts, resolves):
            problems.append((number, f"`./pants {match.group(1).split('#')[0].strip()}`: {problem}"))
    return problems


def _pants_words(words: list[str], root: Path, facts: PantsFacts, resolves: set[str]) -> list[str]:
    goals = [w for w in words if w in facts.goals]
    problems = []
    for word in words:
        if word == "--":
            break  # the rest goes to the program `run` starts
        if "<" in word or "..." in word or word in facts.goals:
            continue
        if word.startswith("-"):
            flag, _, value = word.partition("=")
            if flag not in facts.flags and not any(flag in facts.goal_flags.get(g, ()) for g in goals):
                problems.append(f"{flag} is not a flag of Pants or of {', '.join(goals) or 'any goal'}")
            elif flag == "--resolve" and value and value not in resolves:
                problems.append(f"{value} is not a resolve in pants.toml")
            elif flag == "--filter-target-type" and value:
                unknown = [t for t in value.split(",") if t.lstrip("+-") not in facts.target_types]
                problems += [f"{t} is not a target type" for t in unknown]
        elif not _known_spec(word, root, facts):
            problems.append(f"{word} is not a goal, and `./pants list ::` knows no such target")
    return problems


def _known_spec(spec: str, root: Path, facts: PantsFacts) -> bool:
    spec = spec.removeprefix("//")
    paths = {address.split(":")[0] for address in facts.addresses}
    if spec.endswith("::"):
        base = spec.removesuffix("::").rstrip("/")
        return not base or any(p == base or p.startswith(base + "/") for p in paths)
    if ":" in spec:
        return spec in facts.addresses
    return (root / spec).exists() and any(p == spec or p.startswith(spec.rstrip("/") + "/") for p in paths)


# --- paths -------------------------------------------------------------------------------


def _paths(text: str, root: Path, page: Path) -> list[tuple[int, str]]:
    top_level = {p.name for p in root.iterdir()} - {"dist", "site"}
    problems = []
    for number, span in _spans(text):
        candidate = span.strip().split(" ")[0]
        if "/" not in candidate or re.search(r"[<>*{}$~]|\.\.\.", candidate) or "://" in candidate:
            continue
        path = candidate.split("::")[0].split(":")[0].rstrip("/")
        if path.split("/")[0] in top_level and not (root / path).exists():
            problems.append((number, f"`{span}`: {path} does not exist"))
    for number, line in _prose(text):
        for target in re.findall(r"\]\(([^)#\s]+)", line):
            if "://" not in target and not target.startswith("mailto:") and not (page.parent / target).exists():
                problems.append((number, f"link to {target}: no such file"))
    return problems


# --- workflows -----------------------------------------------------------------------------

DAYS = {"sunday": "0", "monday": "1", "tuesday": "2", "wednesday": "3", "thursday": "4", "friday": "5", "saturday": "6"}


class Workflows:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.on: dict[str, dict] = {}
        self.by_title: dict[str, str] = {}
        for path in sorted((root / ".github/workflows").glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            on = document.get(True, document.get("on"))  # YAML 1.1 reads the key `on` as True
            self.on[path.name] = {on: None} if isinstance(on, str) else dict(on)
            self.by_title[str(document.get("name", "")).lower()] = path.name

    def problems(self, text: str) -> list[tuple[int, str]]:
        problems = []
        for number, span in _spans(text):
            if re.fullmatch(r"[\w.-]+\.yml", span) and not (self.root / span).exists() and span not in self.on:
                if span != "action.yml":
                    problems.append((number, f"`{span}`: no such workflow in .github/workflows/"))
        problems += self._events_table(text)
        for number, paragraph in _paragraphs(text):
            problems += [(number, p) for p in self._schedule(paragraph)]
        return problems

    def named_in(self, text: str) -> list[str]:
        names = [s for s in re.findall(r"`(?:\.github/workflows/)?([\w.-]+\.yml)`", text) if s in self.on]
        names += [self.by_title[t.lower()] for t in re.findall(r"\*([^*]+)\*", text) if t.lower() in self.by_title]
        return list(dict.fromkeys(names))

    def _events_table(self, text: str) -> list[tuple[int, str]]:
        problems, columns = [], None
        for number, line in _prose(text):
            cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
            if cells is None:
                columns = None
            elif cells[:2] == ["Event", "What runs"]:
                columns = cells
            elif columns and not set(cells[0]) <= set("-: "):
                problems += [(number, p) for p in self._event_row(cells[0], cells[1])]
        return problems

    def _event_row(self, event: str, runs: str) -> list[str]:
        lowered = event.lower()
        triggers: list[tuple[str, str | None]] = []
        if "pull request" in lowered:
            triggers.append(("pull_request", None))
        triggers += [("push", b) for b in re.findall(r"push to `([^`]+)`", lowered)]
        if "push to any other branch" in lowered:
            triggers.append(("push", "*any other*"))
        if "by hand" in lowered:
            triggers.append(("workflow_dispatch", None))
        if re.search(r"\d\d:\d\d utc|daily|weekly|monday", lowered):
            triggers.append(("schedule", None))
        if not triggers:
            return [f"events table: cannot tell which workflow event '{event}' means"]
        workflows = self.named_in(runs)
        if not workflows and not runs.strip().lower().startswith(("nothing", "none")):
            return [f"events table: '{runs}' names no workflow in .github/workflows/"]
        problems = []
        for workflow in workflows:
            for event_name, branch in triggers:
                if not self._runs_on(workflow, event_name, branch):
                    said = f"{event_name} to {branch}" if branch else event_name
                    problems.append(f"events table: {workflow} does not run on {said} (its `on:` is {self.on[workflow]})")
        if runs.strip().lower().startswith("nothing"):
            for workflow, on in self.on.items():
                for event_name, branch in triggers:
                    if self._runs_on(workflow, event_name, branch):
                        problems.append(f"events table: says nothing runs on '{event}', but {workflow} does")
        problems += [f"events table: {p}" for p in self._schedule(f"{event} {runs}")]
        return problems

    def _runs_on(self, workflow: str, event: str, branch: str | None) -> bool:
        on = self.on[workflow]
        if event not in on:
            return False
        if branch is None:
            return True
        branches = (on[event] or {}).get("branches")
        if branch == "*any other*":
            return branches is None
        return branches is None or branch in branches

    def _schedule(self, paragraph: str) -> list[str]:
        lowered = paragraph.lower()
        time = re.search(r"(\d\d):(\d\d) utc", lowered)
        day = next((n for d, n in DAYS.items() if re.search(rf"\b(every )?{d}s?\b", lowered)), None)
        daily, weekly = "daily" in lowered, "weekly" in lowered
        workflows = self.named_in(paragraph)
        if not (time or day or daily or weekly) or len(workflows) != 1:
            return []
        (workflow,) = workflows
        crons = [entry["cron"].split() for entry in self.on[workflow].get("schedule") or []]
        if not crons:
            return [f"{workflow} has no schedule"]
        wanted = []
        if time:
            wanted.append(("at " + time.group(0).upper(), lambda c: (int(c[1]), int(c[0])) == tuple(map(int, time.groups()))))
        if daily:
            wanted.append(("daily", lambda c: c[2:] == ["*", "*", "*"]))
        if weekly:
            wanted.append(("weekly", lambda c: c[2:4] == ["*", "*"] and c[4].isdigit()))
        if day:
            wanted.append((f"on day {day} of the week", lambda c: c[4] == day))
        said = ", ".join(what for what, _ in wanted)
        if not any(all(test(cron) for _, test in wanted) for cron in crons):
            return [f"{workflow} runs on cron {[' '.join(c) for c in crons]}, not {said}"]
        return []


# --- settings ------------------------------------------------------------------------------


class CodeIndex:
    """The text of the repository's code and configuration (everything but docs and locks)."""

    def __init__(self, root: Path) -> None:
        skip = {"docs", "lockfiles", "dist", "site", ".git"}
        texts: list[str] = []
        paths: list[Path] = []
        self.prefixed: list[tuple[str, str]] = []
        for path in root.rglob("*"):
            parts = path.relative_to(root).parts
            if path.is_file() and parts[0] not in skip and path.suffix != ".md":
                try:
                    text = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    continue
                texts.append(text)
                paths.append(path)
                # pydantic-settings: env_prefix="REPORTS_" and a field queue_url read REPORTS_QUEUE_URL.
                self.prefixed += [(prefix, text) for prefix in re.findall(r"env_prefix\s*=\s*[\"']([A-Z0-9_]+)[\"']", text)]
        self.text = "\n".join(texts)
        self.settings_fields = _settings_fields([t for p, t in zip(paths, texts) if p.suffix == ".py"])

    def declares(self, field: str, text: str | None = None) -> bool:
        return re.search(rf"^\s+{field}\s*:", self.text if text is None else text, re.MULTILINE) is not None

    def reads(self, name: str) -> bool:
        if re.search(rf"\b{re.escape(name)}\b", self.text):
            return True
        for prefix, text in self.prefixed:
            rest = name.removeprefix(prefix)
            if rest != name and self.declares(rest.lower(), text):
                return True
        for prefix, fields in self.settings_fields.items():
            if name.startswith(prefix) and name.removeprefix(prefix).lower() in fields:
                return True
        # A stack passes {prefix}NAME to the container (f"{spec.env_prefix}QUEUE_URL").
        return any(f"env_prefix}}{name.removeprefix(p)}\"" in self.text for p, _ in self.prefixed if name.startswith(p))


def _settings_fields(sources: list[str]) -> dict[str, set[str]]:
    """env_prefix -> the fields a pydantic-settings class with that prefix reads: its own and
    its base classes' (``ReportsSettings(JobServiceSettings)``), less those with their own
    ``validation_alias`` (``AWS_REGION``), which the prefix does not apply to."""
    classes: dict[str, tuple[list[str], set[str], str | None]] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # e.g. cookiecutter-service/'s templates
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            fields, prefix = set(), None
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    if item.value is None or "validation_alias" not in ast.unparse(item.value):
                        fields.add(item.target.id)
                elif isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "model_config" for t in item.targets):
                    found = re.search(r"env_prefix\s*=\s*[\"']([A-Z0-9_]+)[\"']", ast.unparse(item.value))
                    prefix = found.group(1) if found else prefix
            bases = [base.id if isinstance(base, ast.Name) else getattr(base, "attr", "") for base in node.bases]
            classes[node.name] = (bases, fields, prefix)

    def inherited(name: str, seen: frozenset[str]) -> set[str]:
        if name not in classes or name in seen:
            return set()
        bases, fields, _ = classes[name]
        return fields.union(*(inherited(base, seen | {name}) for base in bases))

    by_prefix: dict[str, set[str]] = {}
    for name, (_, _, prefix) in classes.items():
        if prefix:
            by_prefix.setdefault(prefix, set()).update(inherited(name, frozenset()))
    return by_prefix


def _settings(text: str, code: CodeIndex, facts: PantsFacts) -> list[tuple[int, str]]:
    problems = []
    for number, span in _spans(text):
        name = span.split("=")[0].split(":")[0].strip()
        if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+", name):
            known = name in facts.env_vars or code.reads(name)
        elif re.fullmatch(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)+", name):
            # Stack settings are camelCase keys of snake_case fields (parse_thresholds).
            snake = re.sub(r"([A-Z])", r"_\1", name).lower()
            known = code.reads(name) or code.declares(snake)
        else:
            continue
        if not known:
            problems.append((number, f"`{span}`: {name} is read nowhere in the code"))
    return problems


# --- the docs index ------------------------------------------------------------------------


def _nav_is_indexed(root: Path) -> list[Problem]:
    nav = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    nav_pages = [page for entry in nav for page in entry.values() if page != "index.md"]
    problems = []
    for index, prefix in (("docs/index.md", ""), ("README.md", "docs/")):
        text = (root / index).read_text(encoding="utf-8")
        for page in nav_pages:
            if f"]({prefix}{page})" not in text:
                problems.append(Problem(index, 1, f"mkdocs.yml's nav has {page}, but {index} does not link it"))
    return problems
