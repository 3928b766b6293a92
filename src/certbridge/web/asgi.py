"""ASGI entry point for uvicorn or any ASGI server: `certbridge.web.asgi:app`."""

from certbridge.web.app import create_app

app = create_app()
