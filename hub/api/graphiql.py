"""GraphiQL served from the package: the page and its assets work on a network without internet access.

Strawberry's own GraphiQL page loads React and GraphiQL from unpkg; here the same pieces
(GraphiQL with the explorer plugin, React) are vendored in ``static/graphiql`` (versions and how they
were fetched in its README.md), beside gridhub's own bootstrap ``gridhub-graphiql.js``.
``mount_graphiql_static`` serves that folder and ``graphiql_html`` renders the page that loads it.
"""

from __future__ import annotations

import hashlib
import html
import os
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
DEFAULT_STATIC_PREFIX = "/graphiql-static"

# In the order the page loads them: React before GraphiQL, GraphiQL before its plugin, the bootstrap last.
STYLESHEETS = ("graphiql.min.css", "plugin-explorer.css")
SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "plugin-explorer.umd.js",
    "gridhub-graphiql.js",
)

# The assets' URLs carry a hash of their contents, so a browser may keep them as long as it likes.
_CACHE_CONTROL = "public, max-age=31536000, immutable"


@cache
def assets_version() -> str:
    """A short hash of the assets the page loads: it changes whenever one of them does."""
    digest = hashlib.sha256()
    for name in (*STYLESHEETS, *SCRIPTS):
        digest.update(name.encode())
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def graphiql_html(endpoint: str, static_prefix: str, *, persist_headers: bool = False) -> str:
    """The GraphiQL page for the GraphQL API at ``endpoint``, its assets loaded from ``static_prefix``.

    ``static_prefix`` is where ``mount_graphiql_static`` mounted the assets: a path on this server
    (absolute like ``/graphiql-static`` or relative to the page), never another host. ``endpoint`` may be
    a path or a URL. The headers editor is open, for ``Authorization: Bearer …``. ``persist_headers``
    lets GraphiQL keep the headers in the browser's localStorage across reloads; off, a token pasted there
    lasts as long as the page: the settings dialog offers no switch to keep it, and the bootstrap keeps it
    out of GraphiQL's stored history too.
    """
    parts = urlsplit(static_prefix)
    if parts.scheme or parts.netloc or static_prefix.startswith("//"):
        raise ValueError(f"static_prefix must be a path on this server, not {static_prefix!r}")
    prefix = static_prefix.rstrip("/")
    version = assets_version()

    def asset(name: str) -> str:
        return html.escape(f"{prefix}/{name}?v={version}")

    links = "\n".join(f'    <link rel="stylesheet" href="{asset(name)}" />' for name in STYLESHEETS)
    scripts = "\n".join(f'    <script src="{asset(name)}"></script>' for name in SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>gridhub GraphiQL</title>
    <link rel="icon" href="data:," />
{links}
    <style>
      body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}
      #graphiql {{ height: 100vh; display: flex; }}
    </style>
  </head>
  <body>
    <div id="graphiql" data-endpoint="{html.escape(endpoint)}" data-persist-headers="{str(persist_headers).lower()}">Loading…</div>
{scripts}
  </body>
</html>
"""


class _ImmutableStaticFiles(StaticFiles):
    """StaticFiles whose successful responses a browser may cache for a year (URLs are versioned)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = _CACHE_CONTROL
        return response


def mount_graphiql_static(app: FastAPI, prefix: str = DEFAULT_STATIC_PREFIX) -> None:
    """Serve the vendored GraphiQL assets under ``prefix``; pass the same prefix to ``graphiql_html``."""
    app.mount(prefix.rstrip("/"), _ImmutableStaticFiles(directory=STATIC_DIR), name="graphiql-static")
