"""Concurrency benchmarks for postroom."""
