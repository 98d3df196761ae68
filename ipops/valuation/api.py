"""API endpoints of the valuation module."""

from ninja import Router

router = Router(tags=["valuation"])
