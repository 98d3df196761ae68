"""API endpoints of the analytics module."""

from ninja import Router

router = Router(tags=["analytics"])
