"""Sozialmonitor: a social and education monitor for German municipalities (domain package, no Dash)."""

__version__ = "0.1.0"
