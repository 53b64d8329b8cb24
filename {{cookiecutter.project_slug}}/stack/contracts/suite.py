"""The contract check every module runs: a module's test file ``test_contract.py`` is
``from stack.contracts.suite import *``; its test target depends on the module's
``backend/contract.py`` (which builds the contract) and ``backend/public/contract`` (the
committed copy)."""

import importlib
from pathlib import Path

import pytest

from stack.contracts.contract import Contract

__all__ = ["test_the_committed_contract_matches_the_code"]


def module_contract(request: pytest.FixtureRequest) -> Contract:
    # The test file is <module>.backend.tests.test_contract: its package names the module.
    module = request.module.__name__.split(".")[0]
    contract: Contract = importlib.import_module(f"{module}.backend.contract").contract()
    return contract


def test_the_committed_contract_matches_the_code(request: pytest.FixtureRequest) -> None:
    contract = module_contract(request)
    # Tests run at the root of Pants' sandbox, where the committed files are laid out.
    problems = contract.drift(Path.cwd())
    assert not problems, (
        "\n".join(problems)
        + f"\nThe code's contract changed: refresh the committed copy with `{contract.refresh_command}`, "
        "review the diff and commit it (a breaking change needs a `feat!:` title; docs/contracts.md)."
    )
