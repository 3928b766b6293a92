"""JSON API of the credentials domain."""

from fastapi import APIRouter

router = APIRouter()
