"""The navigation: the platform's centres, each showing only the entries a user may open.

Apps register their entries in `AppConfig.ready`; a centre with no entry a user may open is not shown, so
modules not built yet (or not for this user) are simply absent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

CENTRES: list[tuple[str, Any]] = [
    ("bigdata", _("Big-data centre")),
    ("operations", _("Operations centre")),
    ("finance", _("Finance centre")),
    ("supervision", _("Supervision centre")),
    ("services", _("Services")),
    ("programme", _("Programme")),
    ("admin", _("Administration")),
]


@dataclass(frozen=True)
class NavItem:
    centre: str
    label: Any
    url_name: str
    visible_to: Callable[[Any], bool]
    order: int = 100


REGISTRY: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.centre not in dict(CENTRES):
        raise ValueError(f"unknown centre {item.centre!r}")
    REGISTRY.append(item)


def menu_for(user: Any) -> list[dict[str, Any]]:
    """[{key, label, items: [{label, url}]}] for the centres this user has something to open in."""
    menu = []
    for key, label in CENTRES:
        items = sorted((i for i in REGISTRY if i.centre == key and i.visible_to(user)), key=lambda i: i.order)
        if items:
            menu.append(
                {
                    "key": key,
                    "label": label,
                    "items": [{"label": i.label, "url": reverse(i.url_name)} for i in items],
                }
            )
    return menu
