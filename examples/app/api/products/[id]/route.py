"""/api/products/[id] — force-static with generate_static_params: `approute
build` prerenders the listed products (● in its table); others answer 404.

    curl -i localhost:3000/api/products/1    # x-approute-cache: HIT (prerendered)
    curl -i localhost:3000/api/products/9    # 404 (dynamic_params = False)
"""

from approute import NextRequest, NextResponse, RouteContext

PRODUCTS = {"1": "Keyboard", "2": "Mouse"}

dynamic = "force-static"
dynamic_params = False


def generate_static_params() -> list[dict[str, str]]:
    return [{"id": product_id} for product_id in PRODUCTS]


async def GET(request: NextRequest, ctx: RouteContext["/api/products/[id]"]) -> NextResponse:
    product_id = ctx.params["id"]
    return NextResponse.json({"id": product_id, "name": PRODUCTS[product_id]})
