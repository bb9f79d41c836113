"""The platform page: versions, component health, queues, pools, import errors and the slowest-parsing files.

Served as `GET /platform/` (HTML) by the plugin's FastAPI app; the plugin's external view embeds it in the
Airflow UI under its own nav entry (`/plugin/platform`). Rendered on the server from the same data as
`/platform/info` and `/platform/status`, so the page needs no JavaScript build.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dataplatform.api.platform_info import platform_info
from dataplatform.api.platform_status import platform_status, requires_platform_access

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html"]))

router = APIRouter()


@router.get("/", response_class=HTMLResponse, dependencies=requires_platform_access())
def platform_page() -> str:
    """The page, rendered now."""
    return TEMPLATES.get_template("platform_page.html").render(info=platform_info(), status=platform_status())
