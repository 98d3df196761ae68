"""One way to paginate a list page (the page size can be chosen within bounds)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZES = (25, 50, 100)


def paginate(request: HttpRequest, queryset: Any, default_size: int = 25) -> Page:
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string without `page`, for page links and the export link."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
