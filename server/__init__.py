"""The HTTP side beside Dash: Flask routes (geometry, read API, health), login and sessions, hardening
middleware. Depends on ``sozialmonitor/`` and ``layouts/``; never on ``callbacks/``."""
