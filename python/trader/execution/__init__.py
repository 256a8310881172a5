"""Execution: clients of the Rust order gateway (embedded in-process for backtests, remote over gRPC)."""
