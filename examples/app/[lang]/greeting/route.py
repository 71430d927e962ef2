"""GET /en/greeting, /fr/greeting — where proxy.py's locale redirect lands."""

from approute import Response
from approute.navigation import not_found

GREETINGS = {"en": "Hello!", "fr": "Bonjour !"}


def GET(request, ctx):
    return Response(GREETINGS.get(ctx.params["lang"]) or not_found())
