-- POST /api/echo with a small JSON body (wrk -s bench/echo.lua).
wrk.method = "POST"
wrk.body = '{"name":"approute","n":42,"tags":["a","b"],"nested":{"ok":true}}'
wrk.headers["Content-Type"] = "application/json"
