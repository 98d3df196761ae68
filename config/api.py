"""The REST API at /api/ (OpenAPI at /api/openapi.json, docs at /api/docs)."""

from ninja import NinjaAPI

from ipops.accounts.api import router as accounts_router
from ipops.analytics.api import router as analytics_router
from ipops.assets.api import router as assets_router
from ipops.core.api import AUTH, install_error_handlers
from ipops.core.api import router as core_router
from ipops.navigation.api import router as navigation_router
from ipops.patents.api import router as patents_router
from ipops.search.api import router as search_router
from ipops.valuation.api import router as valuation_router

api = NinjaAPI(
    title="IPOps API",
    version="1",
    description="Regional IP operations service platform. Authenticate with `Authorization: Bearer <token>` "
    "(create a token under Account → API tokens) or the browser session.",
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", accounts_router)
api.add_router("/", patents_router)
api.add_router("/", assets_router)
api.add_router("/", search_router)
api.add_router("/", analytics_router)
api.add_router("/", navigation_router)
api.add_router("/", valuation_router)
