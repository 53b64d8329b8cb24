"""Drop the parts of the module that were not asked for (--no-api, --no-worker, no --with-database)."""

import shutil
from pathlib import Path

HAS_API = "[[ cookiecutter.has_api ]]" == "yes"
HAS_WORKER = "[[ cookiecutter.has_worker ]]" == "yes"
HAS_DATABASE = "[[ cookiecutter.has_database ]]" == "yes"

backend = Path("backend")
if not HAS_API:
    shutil.rmtree(backend / "api")
    (backend / "public" / "client.py").unlink()
    # The API suite runs against the module's app; the process suite submits through it.
    (backend / "tests" / "test_api_contract.py").unlink()
if not HAS_WORKER:
    shutil.rmtree(backend / "worker")
if not (HAS_API and HAS_WORKER):
    (backend / "tests" / "test_reliability.py").unlink()
if not HAS_DATABASE:
    shutil.rmtree(backend / "database")
    (backend / "service" / "records.py").unlink()
    (backend / "tests" / "test_database.py").unlink()
