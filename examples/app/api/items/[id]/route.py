"""/api/items/[id] — navigation helpers raise to answer at once."""

from approute import NextResponse
from approute.navigation import permanent_redirect, redirect


def GET(request, ctx):
    item_id = ctx.params["id"]
    if item_id == "old":
        permanent_redirect("/api/items/1")
    if not item_id.isdigit():
        redirect("/api/items/1")
    return NextResponse.json({"item": int(item_id)})
