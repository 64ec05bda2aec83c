"""Each installed app's optional submodule of a kind (``demo``, ``synthetic``): accounts imports
no other app, so the apps above it bring their own demo data and synthetic data this way."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Collection
from typing import Any

from django.apps import apps


def app_functions(
    submodule: str, function: str, only: Collection[str] | None = None
) -> list[tuple[Any, Callable[..., Any]]]:
    """``(app config, function)`` for every app whose ``<app>.<submodule>`` defines
    ``function``, in INSTALLED_APPS order (only the app labels in ``only`` when given). An app
    without the submodule is skipped; an error inside one is not swallowed."""
    found = []
    for config in apps.get_app_configs():
        if only is not None and config.label not in only:
            continue
        if not hasattr(config.module, "__path__"):  # a plain module has no submodules
            continue
        name = f"{config.name}.{submodule}"
        if importlib.util.find_spec(name) is None:
            continue
        fn = getattr(importlib.import_module(name), function, None)
        if callable(fn):
            found.append((config, fn))
    return found
