"""API endpoints of the search and matching module."""

from ninja import Router

router = Router(tags=["search"])
