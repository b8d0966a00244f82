"""Benchmarks: commands, not tests (docs/benchmarks.md), run from the checkout's root as
`python -m benchmarks.<name>`, so that they share tests/support's models and `goat up` runner."""
