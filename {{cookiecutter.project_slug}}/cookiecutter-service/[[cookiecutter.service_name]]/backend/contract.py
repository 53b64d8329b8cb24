"""The [[ cookiecutter.service_name ]] module's contract as its code defines it (docs/contracts.md). Refresh the
committed copy in public/contract/ after changing the API or the job's request:

    ./pants run modules/[[ cookiecutter.service_name ]]/backend/contract.py
"""

[% if cookiecutter.has_api == "yes" %]from [[ cookiecutter.service_name ]].backend.api.app import create_app
[% endif %]from [[ cookiecutter.service_name ]].backend.service import JOBS
from stack.contracts import Contract, write_contract


def contract() -> Contract:
    return Contract(module="[[ cookiecutter.service_name ]]", openapi=[% if cookiecutter.has_api == "yes" %]create_app().openapi()[% else %]None[% endif %], jobs=JOBS)


if __name__ == "__main__":
    write_contract(contract())
