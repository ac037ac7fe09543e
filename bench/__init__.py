"""Benchmarks run by `make bench` (`python -m bench`): every `bench/*_bench.py` module's `main()`, in turn."""
