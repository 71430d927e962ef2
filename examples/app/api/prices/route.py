"""/api/prices — ISR (docs/caching.md): GET is cached and regenerated at most
once a minute; POST changes a price and revalidates the "prices" tag, which
the cached GET carries because it read ``load_prices()``.

    curl -i localhost:3000/api/prices                  # x-approute-cache: MISS, then HIT
    curl -X POST localhost:3000/api/prices -d '{"usd": 1.1}'
    curl -i localhost:3000/api/prices                  # STALE (old copy), then HIT (new)
"""

from app._lib.prices import PRICES, load_prices

from approute import NextRequest, NextResponse
from approute.cache import revalidate_tag

revalidate = 60


async def GET(request: NextRequest) -> NextResponse:
    return NextResponse.json({"prices": await load_prices()})


async def POST(request: NextRequest) -> NextResponse:
    changes = await request.json()
    if not isinstance(changes, dict) or not all(
        isinstance(v, int | float) for v in changes.values()
    ):
        return NextResponse.json({"error": "send {currency: price}"}, status=400)
    PRICES.update(changes)
    revalidate_tag("prices")
    return NextResponse.json({"ok": True})
