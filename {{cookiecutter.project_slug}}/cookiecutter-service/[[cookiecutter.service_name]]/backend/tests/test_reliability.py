"""The platform's process proofs for this module (stack/reliability/process_suite.py):
SIGKILL mid-job, SIGTERM during work, a poison message, bad HTTP input, bounded load."""

from stack.reliability.process_suite import *  # noqa: F403
