"""Benchmarks, run as modules from the project folder: `python -m bench.search`."""
