"""Which names a new service module may have."""

import keyword
import re
import sys
from pathlib import Path

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,29}")

# Top-level names this repository already uses for something else, and the names of the
# non-service resolves: a module with one of them would shadow or collide with it.
RESERVED = frozenset(
    {
        "modules", "stack", "tools", "libs", "infra", "local", "build_support", "lockfiles",
        "docs", "dist", "tests", "test", "public", "backend", "pytest", "mypy", "ruff", "black",
        "pants", "foundation", "preview", "prod", "reliability",
    }
)  # fmt: skip

# Packages the service resolves install: a module named like one would shadow it.
THIRD_PARTY = frozenset(
    {
        "fastapi", "starlette", "uvicorn", "pydantic", "pydantic_settings", "boto3", "botocore",
        "httpx", "moto", "pulumi", "pulumi_aws", "yaml", "cookiecutter", "jinja2", "requests",
        "schemathesis", "hypothesis", "opentelemetry",
    }
)  # fmt: skip


class InvalidName(ValueError):
    pass


def check_name(name: str, repo: Path) -> None:
    """Raise InvalidName, saying why and what would work, unless name can be a new module."""
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidName(
            f"service name {name!r} is not valid: use 2-30 lowercase letters, digits or '_', "
            "starting with a letter (it becomes a Python package name), e.g. 'billing'"
        )
    if keyword.iskeyword(name) or name in sys.stdlib_module_names:
        raise InvalidName(f"service name {name!r} would shadow Python's own {name!r}; pick another name")
    if name in RESERVED or name in THIRD_PARTY:
        raise InvalidName(f"service name {name!r} is reserved in this repository; pick another name")
    if (repo / "modules" / name).exists():
        raise InvalidName(f"a module named {name!r} already exists at modules/{name}")
