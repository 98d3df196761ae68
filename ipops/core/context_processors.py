from typing import Any

from django.conf import settings
from django.http import HttpRequest

from ipops.core.navigation import menu_for


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "platform_name": settings.IPOPS_PLATFORM_NAME,
        "nav_menu": menu_for(user) if user is not None and user.is_authenticated else [],
    }
