"""Finding a strategy class by name (built-ins) or by `path/to/file.py:ClassName` (user strategies)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from trader.strategies.base import Strategy
from trader.strategies.breakout import Breakout
from trader.strategies.ema_cross import EmaCross
from trader.strategies.errors import StrategyError
from trader.strategies.mean_reversion import MeanReversion

BUILTINS: dict[str, type[Strategy]] = {cls.name: cls for cls in (EmaCross, MeanReversion, Breakout)}


def resolve_strategy(spec: str) -> type[Strategy]:
    """The class named by `spec`: a built-in name, or `file.py:ClassName` (a `Strategy` subclass)."""
    if spec in BUILTINS:
        return BUILTINS[spec]
    path_text, sep, class_name = spec.rpartition(":")
    if not sep or not path_text.endswith(".py"):
        known = ", ".join(sorted(BUILTINS))
        raise StrategyError(f"--strategy {spec!r}: not a built-in ({known}) nor path/to/file.py:ClassName")
    path = Path(path_text)
    if not path.is_file():
        raise StrategyError(f"--strategy {spec!r}: file {path} not found")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    module_name = f"trader_user_strategy_{digest}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise StrategyError(f"--strategy {spec!r}: cannot import {path}")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as exc:  # a user's file: any error in it is theirs to see, in one line
        raise StrategyError(f"{path}: import failed: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise StrategyError(f"{path}: {class_name!r} is not a trader.Strategy subclass defined there")
    return cls
