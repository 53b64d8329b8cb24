import ast
import tomllib

import pytest

from tools.new_service import registry

PANTS_TOML = """[python.resolves]
# One resolve per service module (the new-service command adds a line here).
reports = "lockfiles/reports.lock"
stack = "lockfiles/stack.lock"
"""


def test_resolve_is_added_under_the_marker() -> None:
    updated = tomllib.loads(registry.add_resolve(PANTS_TOML, "billing"))
    assert updated["python"]["resolves"]["billing"] == "lockfiles/billing.lock"
    assert updated["python"]["resolves"]["reports"] == "lockfiles/reports.lock"


def test_existing_resolve_is_refused() -> None:
    with pytest.raises(registry.RegistryError, match="already has a resolve named 'stack'"):
        registry.add_resolve(PANTS_TOML, "stack")


def test_missing_marker_is_reported() -> None:
    with pytest.raises(registry.RegistryError, match="no line starting with"):
        registry.add_resolve("[python.resolves]\n", "billing")


def test_service_resolves_stay_a_sorted_tuple() -> None:
    prelude = '# comment\nSERVICE_RESOLVES = ("reports",)\n'
    updated = registry.add_service_resolve(prelude, "billing")
    assert updated.startswith("# comment\n")
    namespace: dict = {}
    exec(compile(updated, "prelude", "exec"), namespace)  # noqa: S102 - our own generated text
    assert namespace["SERVICE_RESOLVES"] == ("billing", "reports")


def test_requirements_target_is_valid_build_syntax() -> None:
    build = registry.add_requirements_target('python_requirements(name="reports")\n', "billing")
    statement = ast.parse(build).body[-1]
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
    call = statement.value
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords if not isinstance(k.value, ast.Call)}
    calls = {k.arg: ast.unparse(k.value) for k in call.keywords if isinstance(k.value, ast.Call)}
    # The prelude's mapping, shared by every service resolve.
    assert calls == {"module_mapping": "service_module_mapping()"}
    assert keywords["resolve"] == "billing"
    assert keywords["source"] == "billing-requirements.txt"
    assert keywords["overrides"] == {"fastapi": {"dependencies": [":billing#httpx"]}}
    with pytest.raises(registry.RegistryError):
        registry.add_requirements_target(build, "billing")


def test_first_party_list_gains_the_name() -> None:
    ruff = 'line-length = 120\n[lint.isort]\nknown-first-party = ["reports", "stack"]\n'
    updated = tomllib.loads(registry.add_first_party(ruff, "billing"))
    assert updated["lint"]["isort"]["known-first-party"] == ["billing", "reports", "stack"]


def test_public_code_is_shared_into_the_consumer_resolve() -> None:
    build = '__dependents_rules__(("*", "*"))\n\npython_sources(resolve=parametrize("billing"))\n'
    once = registry.share_into_resolve(build, "billing", "portal")
    twice = registry.share_into_resolve(once, "billing", "audit")
    assert 'resolve=parametrize("billing", "audit", "portal")' in twice
    assert registry.share_into_resolve(twice, "billing", "portal") == twice
    with pytest.raises(registry.RegistryError, match="parametrize"):
        registry.share_into_resolve("python_sources()\n", "billing", "portal")


def test_database_resolves_stay_a_sorted_tuple() -> None:
    prelude = 'SERVICE_RESOLVES = ("reports",)\nDATABASE_RESOLVES = ()\n'
    namespace: dict = {}
    updated = registry.add_database_resolve(registry.add_database_resolve(prelude, "orders"), "billing")
    exec(compile(updated, "prelude", "exec"), namespace)  # noqa: S102 - our own generated text
    assert (namespace["SERVICE_RESOLVES"], namespace["DATABASE_RESOLVES"]) == (("reports",), ("billing", "orders"))
