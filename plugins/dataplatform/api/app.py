"""The plugin's FastAPI app, which Airflow's API server mounts under `/platform`: the page and its data."""

from __future__ import annotations

from fastapi import FastAPI

from dataplatform.api import platform_info, platform_status
from dataplatform.views import platform_page

app = FastAPI(title="Data platform", description="What this Airflow deployment runs, and how it is doing.")
app.include_router(platform_info.router)
app.include_router(platform_status.router)
app.include_router(platform_page.router)
