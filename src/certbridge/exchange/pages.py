"""Pages of the exchange domain."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
