"""Benchmarks (not timed tests): cold start, per-request overhead, zip size, synth and emulator cycle."""

from tooling.paths import use_lambda_sources

# The benchmarks import the Lambdas' packages (`contract`, `router`) as the Lambdas do.
use_lambda_sources()
