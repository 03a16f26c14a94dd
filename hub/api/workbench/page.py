"""The workbench page and its assets, served from the package (no build step, no CDN).

The page holds no data and needs no credential: a browser opening ``/review`` cannot send an
Authorization header. The script asks the steward for an API key once, keeps it in the tab's
sessionStorage (never a cookie, so no other site can make the browser use it), and sends it
with every fetch() of the JSON routes. The Content-Security-Policy lets the page load scripts
and styles from this server alone and talk to nothing else.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

STATIC_DIR = Path(__file__).parent / "static"
PAGE_PATH = "/review"
ASSETS_PATH = "/review/assets"
# What the page loads, with its media type; nothing else under ASSETS_PATH is served.
ASSETS = {
    "workbench.css": "text/css; charset=utf-8",
    "workbench.js": "text/javascript; charset=utf-8",
    "entity.js": "text/javascript; charset=utf-8",
}
ASSETS["decisions.js"] = "text/javascript; charset=utf-8"  # issue 16's decisions (their own module)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Asset URLs carry a hash of the assets: a browser may keep them as long as it likes.
_IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def _asset(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@cache
def assets_version() -> str:
    """A short hash of the assets: it changes whenever one of them does."""
    digest = hashlib.sha256()
    for name in sorted(ASSETS):
        digest.update(name.encode())
        digest.update(_asset(name))
    return digest.hexdigest()[:12]


@cache
def page_html() -> str:
    """index.html with the assets' URLs versioned."""
    return (STATIC_DIR / "index.html").read_text("utf-8").replace("{{version}}", assets_version())


def page_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(PAGE_PATH)
    def workbench_page() -> HTMLResponse:
        # The page changes with the assets' version: a browser asks again every time.
        return HTMLResponse(page_html(), headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    @router.get(ASSETS_PATH + "/{name}")
    def workbench_asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, f"no asset {name!r}")
        headers = {"Cache-Control": _IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        return Response(_asset(name), media_type=ASSETS[name], headers=headers)

    return router
