"""`python -m trader.alpaca.fake --port N --data-dir DIR`: serve the fake Alpaca until interrupted."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from trader.alpaca.fake.server import DEFAULT_KEY_ID, DEFAULT_SECRET, FakeAlpacaServer


def main(argv: list[str] | None = None) -> int:
    """Starts the server, prints `fake-alpaca listening port=N` and serves until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m trader.alpaca.fake", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path("data/samples"), help="bar CSVs (SYMBOL_1d.csv)"
    )
    parser.add_argument("--key-id", default=os.environ.get("APCA_API_KEY_ID", DEFAULT_KEY_ID))
    args = parser.parse_args(argv)
    secret = os.environ.get("APCA_API_SECRET_KEY", DEFAULT_SECRET)
    if not args.data_dir.is_dir():
        print(f"python -m trader.alpaca.fake: --data-dir {args.data_dir}: not a directory", file=sys.stderr)
        return 2
    try:
        server = FakeAlpacaServer(args.data_dir, port=args.port, key_id=args.key_id, secret=secret).start()
    except OSError as error:
        print(f"python -m trader.alpaca.fake: cannot listen on port {args.port}: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"fake-alpaca listening port={server.port}", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
