"""/redoc from the ReDoc bundle fastapi-offline ships (it serves /docs, Swagger UI, the same way), so the
API's reference loads without the internet.

The bundle draws its maker's logo from their CDN: the one address outside goat it would ask for. It is
served with that address replaced by an empty image, so the page asks nothing of another site and logs
no failed request where there is no internet.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html
from starlette.responses import HTMLResponse, Response

OFFLINE_STATIC = "/static-offline-docs"
"""Where fastapi-offline mounts its files."""
BUNDLE = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@cache
def offline_bundle() -> bytes:
    return BUNDLE.read_text(encoding="utf-8").replace(OUTSIDE_LOGO, EMPTY_IMAGE).encode()


def install_redoc(app: FastAPI) -> None:
    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url="/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{OFFLINE_STATIC}/favicon.png",
            with_google_fonts=False,
        )

    @app.get("/redoc/redoc.standalone.js", include_in_schema=False)
    def redoc_bundle() -> Response:
        return Response(
            offline_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )
