"""Type stubs for the Rust extension module `trader._core` (checked by mypy.stubtest)."""

__all__ = ["__version__"]

__version__: str
