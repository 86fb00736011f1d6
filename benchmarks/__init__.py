"""Benchmarks (`make bench`): each module `bench_*.py` has `run(report)`; times are compared with
a bare baseline measured in the same run, so the ratios mean something on any machine."""
