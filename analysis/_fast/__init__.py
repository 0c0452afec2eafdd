"""Speed helpers, fenced off: nothing here is needed to understand a rule.

Each function does what a plain pandas, numpy or Arrow call does, faster or in less memory on ten million
rows. Its docstring names that plain call, and a test in tests/test_fast.py proves the two give the same
result. What they buy end to end is measured by benchmarks/bench_engines.py (README, "Large data").
This package is the only place that reads Arrow's buffers, and `arrow.arrow_of` the only way in.
"""
