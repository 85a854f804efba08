"""Alembic migrations of the store; run through :meth:`sozialmonitor.store.Store.upgrade`."""
