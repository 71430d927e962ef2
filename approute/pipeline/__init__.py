"""The request pipeline: the stages a request goes through, in Next.js's
order (``order.py``), one module per stage."""

from approute.pipeline.answers import send_server_error
from approute.pipeline.order import Pipeline, PipelineOptions

__all__ = ["Pipeline", "PipelineOptions", "send_server_error"]
