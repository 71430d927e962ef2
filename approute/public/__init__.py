"""``public/``: static files served at the site root, as Next.js does.

``PublicFiles.scan`` lists the folder once at startup; ``lookup`` finds the
file for a canonical request path; ``serve_file`` answers with it (ETag,
Last-Modified, 304, Range/206, HEAD, 405 for other methods).
"""

from __future__ import annotations

from approute.public.files import PublicFile, PublicFiles, content_type_for
from approute.public.serve import serve_file

__all__ = ["PublicFile", "PublicFiles", "content_type_for", "serve_file"]
