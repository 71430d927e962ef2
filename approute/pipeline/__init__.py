"""The request pipeline: the stages a request goes through, in Next.js's
order (``order.py``), one module per stage."""

from approute.pipeline.answers import SERVER_ERRORS, report_server_error, send_server_error
from approute.pipeline.order import Pipeline, PipelineOptions

__all__ = [
    "SERVER_ERRORS",
    "Pipeline",
    "PipelineOptions",
    "report_server_error",
    "send_server_error",
]
