"""Benchmarks (not timed tests): cold start, per-request overhead, zip size, synth and emulator cycle."""
