"""The reports module's contract as its code defines it (docs/contracts.md). Refresh the
committed copy in public/contract/ after changing the API or the job's request:

    ./pants run modules/reports/backend/contract.py
"""

from reports.backend.api.app import create_app
from reports.backend.service import JOBS
from stack.contracts import Contract, write_contract


def contract() -> Contract:
    return Contract(module="reports", openapi=create_app().openapi(), jobs=JOBS)


if __name__ == "__main__":
    write_contract(contract())
