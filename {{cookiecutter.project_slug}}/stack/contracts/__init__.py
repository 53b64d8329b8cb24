"""A module's contract: what its HTTP API answers (OpenAPI) and what its queue accepts (JSON
Schema), committed in ``modules/<module>/backend/public/contract/`` (docs/contracts.md).

``Contract`` renders it from the code, ``write_contract`` refreshes the committed copy,
``stack.contracts.suite`` fails a module's tests when the two differ, and
``stack.contracts.consumer`` checks a consumer's messages and reads against a provider's.
"""

from stack.contracts.contract import CONTRACT_DIR, Contract, write_contract

__all__ = ["CONTRACT_DIR", "Contract", "write_contract"]
