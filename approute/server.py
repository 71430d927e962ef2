"""``after()``: run work after the response has been sent, as ``next/server``.

    from approute.server import after

    def POST(request):
        after(lambda: audit_log.write("created"))
        return NextResponse.json({"ok": True}, status=201)

The task may be a plain callable, a coroutine function, or an awaitable. It
runs even when the handler raised or answered through ``not_found()``;
its errors are logged, never sent to the client.
"""

from __future__ import annotations

from approute._scope import AfterTask, current_state

__all__ = ["after"]


def after(task: AfterTask) -> None:
    """Schedule ``task`` to run once the response is finished."""
    current_state("after()").after.append(task)
