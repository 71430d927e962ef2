"""Which server ``approute start`` runs this process under, where it matters
to WebSockets: granian sends no handshake headers, and stops without
closing them (``realtime.signals``)."""

from __future__ import annotations

import os
from typing import Final

__all__ = ["SERVER_ENV", "on_granian"]

SERVER_ENV: Final = "APPROUTE_SERVER"
"""``granian`` in the processes of ``approute start`` on granian."""


def on_granian() -> bool:
    """Whether ``approute start`` serves this process with granian."""
    return os.environ.get(SERVER_ENV) == "granian"
