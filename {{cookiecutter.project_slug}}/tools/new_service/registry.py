"""The places a service module is registered besides modules/<name>/.

Each function returns a file's new text, so the caller can write all of them as one
change and undo it if a later step fails.
"""

import re

RESOLVES_MARKER = "# One resolve per service module"


class RegistryError(ValueError):
    pass


def add_resolve(pants_toml: str, name: str) -> str:
    """[python.resolves] gets `name = "lockfiles/name.lock"` under the service marker."""
    if re.search(rf"^{re.escape(name)}\s*=", pants_toml, re.MULTILINE):
        raise RegistryError(f"pants.toml already has a resolve named {name!r}")
    lines = pants_toml.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(RESOLVES_MARKER):
            lines.insert(index + 1, f'{name} = "lockfiles/{name}.lock"\n')
            return "".join(lines)
    raise RegistryError(f"pants.toml has no line starting with {RESOLVES_MARKER!r} in [python.resolves]")


def add_service_resolve(prelude: str, name: str) -> str:
    """build-support/service_resolves.py: SERVICE_RESOLVES gains name (kept sorted)."""
    match = re.search(r"^SERVICE_RESOLVES = \(([^)]*)\)", prelude, re.MULTILINE)
    if match is None:
        raise RegistryError("build-support/service_resolves.py has no SERVICE_RESOLVES = (...) line")
    names = set(re.findall(r'"([^"]+)"', match.group(1))) | {name}
    rendered = "".join(f'"{n}", ' for n in sorted(names)).rstrip(" ")
    return prelude[: match.start()] + f"SERVICE_RESOLVES = ({rendered})" + prelude[match.end() :]


def add_database_resolve(prelude: str, name: str) -> str:
    """build-support/service_resolves.py: DATABASE_RESOLVES gains name (kept sorted)."""
    match = re.search(r"^DATABASE_RESOLVES = \(([^)]*)\)", prelude, re.MULTILINE)
    if match is None:
        raise RegistryError("build-support/service_resolves.py has no DATABASE_RESOLVES = (...) line")
    names = sorted(set(re.findall(r'"([^"]+)"', match.group(1))) | {name})
    rendered = "".join(f'"{n}", ' for n in names).rstrip(" ")
    return prelude[: match.start()] + f"DATABASE_RESOLVES = ({rendered})" + prelude[match.end() :]


def add_requirements_target(build: str, name: str) -> str:
    """3rdparty/python/BUILD: a python_requirements target for the new resolve."""
    if re.search(rf'name="{re.escape(name)}"', build):
        raise RegistryError(f"3rdparty/python/BUILD already has a target named {name!r}")
    return build.rstrip("\n") + (
        "\n\npython_requirements(\n"
        f'    name="{name}",\n'
        f'    source="{name}-requirements.txt",\n'
        f'    resolve="{name}",\n'
        "    module_mapping=service_module_mapping(),\n"
        "    # fastapi.testclient imports httpx lazily, so inference cannot see it.\n"
        "    overrides=" + repr({"fastapi": {"dependencies": [f":{name}#httpx"]}}).replace("'", '"') + ",\n"
        ")\n"
    )


def add_first_party(ruff_toml: str, name: str) -> str:
    """ruff.toml: isort must know the module is first-party in every lint batch."""
    match = re.search(r"^known-first-party = \[([^\]]*)\]", ruff_toml, re.MULTILINE)
    if match is None:
        raise RegistryError("ruff.toml has no known-first-party = [...] line")
    names = set(re.findall(r'"([^"]+)"', match.group(1))) | {name}
    rendered = ", ".join(f'"{n}"' for n in sorted(names))
    return ruff_toml[: match.start()] + f"known-first-party = [{rendered}]" + ruff_toml[match.end() :]


def share_into_resolve(build: str, provider: str, consumer: str) -> str:
    """A provider's public/ or schemas/ BUILD: also build its sources for consumer's resolve."""
    match = re.search(r"resolve=parametrize\(([^)]*)\)", build)
    if match is None:
        raise RegistryError(
            f"modules/{provider}'s public BUILD files have no resolve=parametrize(...) to add {consumer!r} to"
        )
    names = set(re.findall(r'"([^"]+)"', match.group(1))) | {consumer}
    ordered = [provider, *sorted(names - {provider})]
    rendered = ", ".join(f'"{n}"' for n in ordered)
    return build[: match.start()] + f"resolve=parametrize({rendered})" + build[match.end() :]
