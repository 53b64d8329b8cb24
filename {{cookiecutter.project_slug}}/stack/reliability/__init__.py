"""The proofs every module gets: a module's tests import the suites here and name their
target in a ``reliability_target`` fixture (see docs/services.md, "What every module proves").

- ``api_suite``: in-process, against the module's app with in-memory ports: bad input,
  idempotency, a failing queue at submit, strict types, a property-based run of the
  module's own OpenAPI schema (schemathesis);
- ``process_suite``: real processes on loopback (moto server, the module's API and worker):
  SIGKILL mid-job, SIGTERM during work, a poison message, bad HTTP input, a bounded load run.
"""
