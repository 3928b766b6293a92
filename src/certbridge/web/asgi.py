"""ASGI entry point for uvicorn or any ASGI server: `certbridge.web.asgi:app`.

Logging is configured here because every worker process imports this module: the access
log and its ID-number mask must run in each worker, not only in the parent."""

from certbridge.http.logging import configure_logging
from certbridge.web.app import create_app

configure_logging()
app = create_app()
