"""The web application: mounts each domain's JSON router and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline

from certbridge import __version__
from certbridge.catalog import load_catalog
from certbridge.config import Settings, get_settings
from certbridge.credentials import api as credentials_api
from certbridge.credentials import pages as credentials_pages
from certbridge.credentials import service as credentials_service
from certbridge.db import make_engine, make_session_factory
from certbridge.exchange import api as exchange_api
from certbridge.http.bodylimit import BodySizeLimitMiddleware
from certbridge.http.errors import install_error_handlers
from certbridge.http.guard import QueryGuard
from certbridge.http.headers import SecurityHeadersMiddleware
from certbridge.http.logging import AccessLogMiddleware
from certbridge.identity import is_known_address_code
from certbridge.query import api as query_api
from certbridge.query import pages as query_pages
from certbridge.query.fastpath import CertificateLookupFastPath
from certbridge.query.service import RecordReader
from certbridge.recognition import api as recognition_api
from certbridge.recognition import pages as recognition_pages
from certbridge.registry import api as registry_api
from certbridge.registry.hooks import on_state_change
from certbridge.registry.service import Keys
from certbridge.web import humancheck_api
from certbridge.web.openapi import install_openapi

HERE = Path(__file__).parent

DESCRIPTION = """一网通查：人社、应急管理、住建、市场监管颁发的职业技能证书统一查询。
[返回网站首页](/)

Person queries are rate-limited per client (429 with Retry-After); a client that solved the
proof-of-work challenge (人机验证) gets a larger allowance, and an API token its own.
A wrong name and a wrong number get the same 404. Write endpoints need
`Authorization: Bearer <token>` (see `certbridge token create`; the Authorize button)."""


def register_hooks() -> None:
    """Status changes anywhere in the registry flip the credential status-list bits."""
    on_state_change(credentials_service.sync_status_bits)


def warm_reference_data() -> None:
    """Load the catalog and region list at start-up, not on the first request."""
    load_catalog()
    is_known_address_code("110101")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.record_reader.close()
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # /docs with its scripts served from here (/static-offline-docs), no CDN, so that it
    # works offline; the page itself is ours (docs.html: no inline script, a way back to
    # the site). No /redoc: its page loads a logo from Redocly's CDN whatever the options.
    app = FastAPIOffline(
        docs_url=None,
        redoc_url=None,
        title="certbridge",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # No OpenTelemetry here: skip the per-request check for a configured provider.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    warm_reference_data()
    register_hooks()
    engine = make_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.record_reader = RecordReader(engine)
    app.state.keys = Keys(settings.hash_key_bytes, settings.seal_key_bytes)
    app.state.query_guard = QueryGuard.from_settings(settings)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_error_handlers(app)
    app.add_api_route("/docs", api_docs, include_in_schema=False, response_class=HTMLResponse)
    for router in (
        query_api.router,
        registry_api.router,
        exchange_api.router,
        credentials_api.router,
        recognition_api.router,
        query_pages.router,
        credentials_pages.router,
        recognition_pages.router,
        humancheck_api.router,
    ):
        app.include_router(router)
    install_openapi(app)
    # The last added is the outermost: the access log sees every answer, the security
    # headers go on every answer (the fast path's too), the body limit is skipped by the
    # fast path's GETs.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.lookup_fast_path:
        app.add_middleware(CertificateLookupFastPath)
    app.add_middleware(
        SecurityHeadersMiddleware,
        https=settings.public_base_url.startswith("https://"),
        pass_seconds=settings.pow_pass_minutes * 60,
    )
    app.add_middleware(AccessLogMiddleware)
    return app


async def api_docs(request: Request) -> Response:
    """Swagger UI from local files, started by /static/docs.js (no inline script)."""
    page: Response = request.app.state.templates.TemplateResponse(
        request, "docs.html", {"openapi_url": request.app.openapi_url}
    )
    return page
