"""approute's benchmark harness: ``make bench`` (docs/benchmarks.md).

Not part of the package and not collected by pytest; run from the repo root
as ``python -m bench`` (``--help`` lists the knobs).
"""
