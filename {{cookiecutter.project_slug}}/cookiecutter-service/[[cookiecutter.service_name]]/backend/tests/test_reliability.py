"""The platform's process proofs for this module (stack/reliability/process_suite.py):
SIGKILL mid-job, SIGTERM during work, a poison message, bad HTTP input, bounded load."""

from stack.reliability.process_suite import *  # noqa: F403
[%- if cookiecutter.has_database == "yes" %]

# A worker killed between its database write and the message delete; a database restart.
from stack.reliability.database.suite import *  # noqa: F403, E402
[%- endif %]
