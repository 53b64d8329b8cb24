"""pantstack benchmarks: run with ./scripts/bench (see benchmarks/README.md)."""
