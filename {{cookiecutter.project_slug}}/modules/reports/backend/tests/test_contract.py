"""The platform's contract check (stack/contracts/suite.py): the committed contract in
backend/public/contract/ is the one the code defines."""

from stack.contracts.suite import *  # noqa: F403
