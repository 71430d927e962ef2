"""The apps under test. Every target serves the same four endpoints with the
same bodies; the ``*_mw`` variants add ``x-mw: 1`` on ``/api/:path*``.

    GET  /api/plain       Hello, world!                      (text)
    GET  /api/json        {"message":"Hello, world!","ok":true,"n":42}
    GET  /api/users/<id>  {"id":"<id>","name":"user <id>"}
    POST /api/echo        the JSON body, parsed and re-serialised

approute's targets are project folders (bench/targets/approute*/) written by
bench/generate.py; the others are modules here, served by uvicorn.
"""
