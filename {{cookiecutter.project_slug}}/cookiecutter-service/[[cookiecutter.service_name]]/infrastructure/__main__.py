"""Entry point `pulumi up` runs for the [[ cookiecutter.service_name ]] stacks (see docs/infrastructure.md).

Pulumi runs this file as a script with only this folder on sys.path; put the repository's
source roots ("/" for `stack.*`, "/modules" for `[[ cookiecutter.service_name ]].*`) in front.
"""

import sys
from pathlib import Path

_repo = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(_repo), str(_repo / "modules")]

from [[ cookiecutter.service_name ]].infrastructure.program import main  # noqa: E402

main()
