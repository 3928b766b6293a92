"""Pages of the credentials domain."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
