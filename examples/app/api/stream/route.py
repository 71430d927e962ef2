"""GET /api/stream — a streamed body, sent chunk by chunk."""

import asyncio

from approute import Response


async def GET(request):
    async def numbers():
        for n in range(5):
            yield f"chunk {n}\n".encode()
            await asyncio.sleep(0.1)

    return Response(numbers(), headers={"content-type": "text/plain; charset=utf-8"})
