"""approute's soak test: ``make soak`` (docs/reliability.md).

Concurrent clients against a copy of examples/ under ``approute start
--workers 2`` with a Redis cache, while Redis is restarted and frozen and a
worker is killed. Not part of the package and not collected by pytest; run
from the repo root as ``python -m soak`` (knobs: ``SOAK_*`` variables, see
soak/run.py).
"""
