"""/about — a minimal page in a route group: `(marketing)` is not in the URL."""


def page(request, ctx):
    return "<!DOCTYPE html><html><body><h1>About approute</h1></body></html>"
