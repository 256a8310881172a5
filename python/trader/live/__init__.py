"""The paper/live daemon: decision loop, controller, reconciliation, status API, dashboard, compare."""
