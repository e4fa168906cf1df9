"""Benchmarks: `rag bench`, or run_bench(BenchPlan(...)) from Python."""

from bench.run import BenchPlan, format_table, plot, run_bench

__all__ = ["BenchPlan", "format_table", "plot", "run_bench"]
