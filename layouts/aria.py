"""ARIA attributes for Dash components.

Dash accepts ``aria-*`` only as extra keyword arguments, which a Python name cannot spell; ``aria(label="Karte")``
gives ``{"aria-label": "Karte"}`` to unpack into a component.
"""

from __future__ import annotations

from typing import Any


def aria(**attributes: str) -> dict[str, Any]:
    """``aria(labelledby="h-series")`` → ``{"aria-labelledby": "h-series"}``."""
    return {f"aria-{name}": value for name, value in attributes.items()}
