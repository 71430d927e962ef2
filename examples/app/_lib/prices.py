"""Prices for the caching examples: a dict standing in for a database."""

from approute.cache import cached

PRICES: dict[str, float] = {"eur": 1.0, "usd": 1.08}


@cached(tags=["prices"])
async def load_prices() -> dict[str, float]:
    """Read once, then from the data cache until ``revalidate_tag("prices")``."""
    return dict(PRICES)
