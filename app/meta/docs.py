"""The Swagger UI page at ``/docs``, served with its own assets: no CDN, no internet.

The assets are the Swagger UI distribution packaged in ``fastapi-swagger`` (only its files
are used, through ``importlib.resources``); FastAPI's ``get_swagger_ui_html`` writes the page.
"""

from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.errors import NotFound
from app.http_cache import etag_for, none_match

ASSETS_PACKAGE = "fastapi_swagger.resources"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ASSET_MAX_AGE = 86_400
# Curator-friendly settings: the key survives a reload, each try-out shows its duration, and
# every operation has a link of its own (#/claims/claims-create). No validator badge: it
# would call a third party.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "persistAuthorization": True,
    "displayRequestDuration": True,
    "deepLinking": True,
    "validatorUrl": None,
}

router = APIRouter(include_in_schema=False)


@cache
def asset(name: str) -> tuple[bytes, str]:
    """Return a packaged asset's bytes and its entity tag, read once."""
    body = files(ASSETS_PACKAGE).joinpath(name).read_bytes()
    return body, etag_for(body)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Serve the Swagger UI page."""
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}/docs/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs/assets/swagger-ui.css",
        swagger_favicon_url=f"{root}/docs/assets/favicon-32x32.png",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@router.get("/docs/assets/{name}")
async def swagger_ui_asset(name: str, request: Request) -> Response:
    """Serve one Swagger UI asset, with an ETag and a day of caching."""
    if name not in ASSETS:
        raise NotFound(f"No Swagger UI asset named {name!r}.")
    body, etag = asset(name)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={ASSET_MAX_AGE}"}
    if none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=ASSETS[name], headers=headers)
