"""One way to render a route, for every caller: a plain request, a
route-cache miss, an ISR background regeneration and the build's prerender.

request → ``dispatch`` (the handler) → what the handler left behind applied
(``cookies().set`` lines on the response, ``revalidate_tag``/``revalidate_path``
calls on the data cache) → the response, and its ``after()`` work for the
caller to run once the answer is out. Callers differ only in what they do
with the response (send it, or store and send it) and when they run
``after()``; the leftovers are applied here, exactly once per handler run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from approute._scope import AfterTask
from approute.cache.data import DataCache
from approute.handlers.context import Params
from approute.handlers.dispatch import dispatch
from approute.handlers.module import RouteModule
from approute.http.request import NextRequest
from approute.http.response import Response

__all__ = ["Rendered", "render_route"]


@dataclass(slots=True)
class Rendered:
    """One handler run: its response and the work it left for later."""

    response: Response
    head_only: bool  # a HEAD answered by GET: send no body
    error: Exception | None = None  # what the handler raised, if it did
    after: list[AfterTask] = field(default_factory=list)

    def take_after(self) -> list[AfterTask]:
        """The ``after()`` work, handed over once (whoever takes it runs it)."""
        tasks, self.after = self.after, []
        return tasks


async def render_route(
    route: RouteModule,
    request: NextRequest,
    params: Params,
    *,
    dev: bool,
    data: DataCache | None,
) -> Rendered:
    """Run ``route``'s handler for ``request`` and apply what it left behind."""
    answer = await dispatch(route, request, params, dev=dev, cache=data)
    state = answer.state
    response = answer.response
    if state is None:  # no handler ran (405, OPTIONS)
        return Rendered(response, answer.head_only)
    if state.cookie_headers is not None:
        for line in state.cookie_headers.get_set_cookie():
            response.headers.append("set-cookie", line)
    # Next.js marks the tags now; the next visit sees them revalidated.
    if state.revalidations and data is not None:
        await data.revalidate(state.revalidations)
    return Rendered(response, answer.head_only, answer.error, list(state.after))
