"""API endpoints of the patent navigation module."""

from ninja import Router

router = Router(tags=["navigation"])
