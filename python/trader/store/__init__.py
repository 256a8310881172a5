"""The SQL store (SQLite by default, PostgreSQL via $TRADER_DB_URL): runs, replay, backup and restore.

Import from the modules (`trader.store.database.Store`, `trader.store.runs.save_run`, ...): this package
stays empty so that `trader --help` does not pay for importing SQLAlchemy.
"""
