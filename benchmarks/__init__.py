"""Benchmarks: latency and scale, measured against the simulator (`scripts/bench`)."""
