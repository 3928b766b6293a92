"""Imports every domain's tables so Base.metadata is complete (Alembic, tests)."""

from certbridge.auth import models as auth_models
from certbridge.db import Base
from certbridge.registry import models as registry_models

metadata = Base.metadata

__all__ = ["auth_models", "metadata", "registry_models"]
