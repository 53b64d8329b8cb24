"""Validate the answers before cookiecutter writes anything.

This file is rendered by Jinja first: keep literal double braces out of it.

A failing hook makes cookiecutter/cruft delete the half-made project folder, so a rejected
input leaves nothing behind. Every problem is reported at once, each naming the field, the
value given and the form expected.
"""

import re
import sys
import unicodedata

ANSWERS = {
    "project_name": {{ cookiecutter.project_name | tojson }},
    "project_slug": {{ cookiecutter.project_slug | tojson }},
    "description": {{ cookiecutter.description | tojson }},
    "github_owner": {{ cookiecutter.github_owner | tojson }},
    "github_repo": {{ cookiecutter.github_repo | tojson }},
    "aws_account_id": {{ cookiecutter.aws_account_id | tojson }},
    "aws_region": {{ cookiecutter.aws_region | tojson }},
    "pulumi_org": {{ cookiecutter.pulumi_org | tojson }},
}

_DIRECTIONS = "central|north|south|east|west|northeast|northwest|southeast|southwest"

# field -> (pattern, description of the expected form, example)
RULES = {
    "project_slug": (
        r"[a-z][a-z0-9]*(-[a-z0-9]+)*",
        "lowercase letters, digits and single hyphens, starting with a letter, at most 50 characters",
        "acme-services",
    ),
    "github_owner": (
        r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}",
        "a GitHub user or organisation: 1-39 letters, digits or single inner hyphens",
        "acme",
    ),
    "github_repo": (
        r"(?!\.{1,2}$)(?!.*\.git$)[A-Za-z0-9._-]{1,100}",
        "a GitHub repository name: 1-100 letters, digits, '.', '_' or '-' (not '.', '..' or ending in .git)",
        "acme-services",
    ),
    "aws_account_id": (r"[0-9]{12}", "exactly 12 digits", "123456789012"),
    "aws_region": (
        r"[a-z][a-z](-gov|-iso[a-z]?)?-(" + _DIRECTIONS + r")-[1-9]",
        "an AWS region code such as eu-west-1, us-east-2 or ap-southeast-1",
        "eu-west-1",
    ),
    "pulumi_org": (
        r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}",
        "a Pulumi organisation: 1-40 letters, digits, '_', '.' or '-', starting with a letter or digit",
        "acme",
    ),
}

MAX_LENGTH = {"project_slug": 50, "project_name": 100, "description": 300}


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch).startswith("C") for ch in value)


def problems(answers: dict) -> list:
    found = []
    for field in ("project_name", "description"):
        value = answers[field]
        if field == "project_name" and not value.strip():
            found.append(f"project_name must not be empty (got {value!r}); example: 'Acme Services'")
        elif _has_control_chars(value):
            found.append(f"{field} {value!r} contains control characters (newlines, tabs); use one line of text")
    for field, (pattern, expected, example) in RULES.items():
        value = answers[field]
        if not re.fullmatch(pattern, value):
            found.append(f"{field} {value!r} is not valid: expected {expected} (e.g. {example!r})")
    for field, limit in MAX_LENGTH.items():
        if len(answers[field]) > limit:
            found.append(f"{field} is {len(answers[field])} characters long; the limit is {limit}")
    return found


def main() -> int:
    found = problems(ANSWERS)
    if not found:
        return 0
    print("\nThe template was not rendered; fix these answers and run again:", file=sys.stderr)
    for problem in found:
        print(f"  - {problem}", file=sys.stderr)
    print(
        "Pass answers on the command line, e.g.: cookiecutter <template> project_slug=my-services\n",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
