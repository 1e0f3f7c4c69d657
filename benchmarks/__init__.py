"""Benchmarks run by `make bench`; each module exposes `run() -> dict` of measured figures."""
