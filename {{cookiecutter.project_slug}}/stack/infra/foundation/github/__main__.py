"""Entry point `pulumi up` runs for the GitHub settings stack (see docs/delivery.md).

Pulumi runs this file as a script with only this folder on sys.path; put the repository
root (the source root of `stack.*`) in front so the program imports like everywhere else.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from stack.infra.foundation.github.program import main

main()
