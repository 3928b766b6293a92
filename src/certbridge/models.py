"""Imports every domain's tables so Base.metadata is complete (Alembic, tests)."""

from certbridge.auth import models as auth_models
from certbridge.credentials import models as credentials_models
from certbridge.db import Base
from certbridge.exchange import models as exchange_models
from certbridge.recognition import models as recognition_models
from certbridge.registry import models as registry_models

metadata = Base.metadata

__all__ = [
    "auth_models",
    "credentials_models",
    "exchange_models",
    "metadata",
    "recognition_models",
    "registry_models",
]
