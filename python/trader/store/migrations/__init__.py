"""Alembic migration scripts of the store, applied by `trader.store.migrate` on every open."""
