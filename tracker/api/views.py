"""JSON API v1 at /api/v1: the blueprint `bp`, with its views split by resource.

Authentication is by API token only (Authorization: Bearer …); see edge.py. The document at
/api/v1/openapi.json describes every route (openapi.py).
"""
from __future__ import annotations

from . import views_campaigns, views_requests, views_scoring  # noqa: F401  (they register their routes)
from .edge import bp, endpoint
from .openapi import document

__all__ = ["bp"]


@endpoint("/openapi.json", "GET", roles=None)
def openapi_document():
    return document()
