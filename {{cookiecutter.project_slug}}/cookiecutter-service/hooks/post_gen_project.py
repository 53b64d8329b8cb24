"""Drop the parts of the module that were not asked for (--no-api, --no-worker)."""

import shutil
from pathlib import Path

HAS_API = "[[ cookiecutter.has_api ]]" == "yes"
HAS_WORKER = "[[ cookiecutter.has_worker ]]" == "yes"

backend = Path("backend")
if not HAS_API:
    shutil.rmtree(backend / "api")
    (backend / "tests" / "test_api.py").unlink()
    (backend / "public" / "client.py").unlink()
    (backend / "tests" / "test_public_client.py").unlink()
if not HAS_WORKER:
    shutil.rmtree(backend / "worker")
    (backend / "tests" / "test_worker.py").unlink()
