"""The CLI's logging setup, kept apart from the servers so a command imports
neither server to log (``start`` imports only the one it runs)."""

from __future__ import annotations

from typing import Any

__all__ = ["LOG_CONFIG"]

# Applied by the server in every process it starts (reloader child, workers);
# uvicorn logs as "uvicorn", granian as "_granian".
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(levelname)-7s %(name)s: %(message)s"},
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "approute": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "approute.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "_granian": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
