"""JSON API of the recognition domain."""

from fastapi import APIRouter

router = APIRouter()
