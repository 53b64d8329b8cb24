"""The platform's API proofs for this module (stack/reliability/api_suite.py): bad input,
idempotency, a failing queue, strict types, and a property-based run of its OpenAPI."""

from stack.reliability.api_suite import *  # noqa: F403
