"""Authorisation header for API calls in tests: a real API token of one of the demo region's users."""

from __future__ import annotations

from ipops.accounts import services as account_services


def bearer(region: dict, username: str) -> dict[str, str]:
    """Headers carrying a new API token of `region[username]` (created through the accounts service)."""
    key = account_services.create_api_token(actor=region[username], name="test").key
    return {"Authorization": "Bearer " + key}
