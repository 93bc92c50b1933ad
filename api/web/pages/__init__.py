"""The German pages, one module per role's area; `router` carries all their routes."""

from api.web.pages import (  # noqa: F401  (their routes)
    abh,
    changes,
    charter,
    documents,
    dublin,
    landtag,
    login,
    privacy,
    roster,
    statistics,
    zab,
    zfa,
    zrk,
)
from api.web.pages.common import refused_page, router

__all__ = ["refused_page", "router"]
