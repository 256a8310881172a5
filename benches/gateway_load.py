"""Load on the real `trader-gateway` over gRPC: orders/s and p50/p99 submit latency, fsync vs OS buffer.

Run: `.venv/bin/python benches/gateway_load.py` (builds the release binary first). Targets from issue 4:
>= 20,000 orders/s sustained on the 2-core machine, p99 <= 2 ms. The clients are Python (grpcio) processes on
the same 2 cores as the server, so the numbers are a floor for the server, not its ceiling.
"""

from __future__ import annotations

import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import GatewayClient, OrderIntent

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789abcdef"
LATENCY_ORDERS = 2_000
PROCESSES = 3
THREADS = 16
ORDERS_PER_THREAD = 250
TARGET_RATE = 20_000
TARGET_P99_MS = 2.0


def _intent(prefix: str, index: int) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"{prefix}-{index}",
        symbol="AAPL",
        side="buy",
        quantity=Decimal(1),
        order_type="limit",
        limit_price=Decimal("100.25"),
        time_in_force="gtc",
    )


def _latencies(target: str) -> list[float]:
    """Sequential submits from one client: each waits for its own journal sync."""
    samples = []
    with GatewayClient(target, TOKEN) as client:
        for index in range(LATENCY_ORDERS):
            start = time.perf_counter()
            client.submit(_intent("lat", index))
            samples.append(time.perf_counter() - start)
    return samples


def _worker(args: tuple[str, int]) -> int:
    """One client process: THREADS threads submitting concurrently (their submits share group commits)."""
    target, worker = args
    with GatewayClient(target, TOKEN) as client:

        def run(thread: int) -> int:
            for index in range(ORDERS_PER_THREAD):
                client.submit(_intent(f"load-{worker}-{thread}", index))
            return ORDERS_PER_THREAD

        with ThreadPoolExecutor(THREADS) as pool:
            return sum(pool.map(run, range(THREADS)))


def _throughput(target: str) -> float:
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        pool.map(_worker, [(target, -1 - w) for w in range(PROCESSES)])  # warm up channels and imports
        start = time.perf_counter()
        total = sum(pool.map(_worker, [(target, w) for w in range(PROCESSES)]))
        return total / (time.perf_counter() - start)


def _run(binary: Path, sync: str) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "gateway.toml"
        config.write_text(sim_config(Path(tmp) / "gateway.journal", sync=sync))
        process = GatewayProcess.start(binary, config, TOKEN)
        try:
            samples = sorted(_latencies(process.grpc_target))
            rate = _throughput(process.grpc_target)
        finally:
            process.stop()
    p50 = statistics.median(samples) * 1e3
    p99 = samples[int(len(samples) * 0.99) - 1] * 1e3
    return rate, p50, p99


def main() -> None:
    subprocess.run(
        ["cargo", "build", "--release", "-p", "gateway_server", "--quiet"], cwd=REPO_ROOT, check=True
    )
    binary = REPO_ROOT / "target" / "release" / "trader-gateway"
    results = {sync: _run(binary, sync) for sync in ("fsync", "os_buffer")}
    print(f"gateway over gRPC, {PROCESSES} client processes x {THREADS} threads, Python grpcio clients")
    for sync, (rate, p50, p99) in results.items():
        print(
            f"  journal {sync:9}: {rate:9,.0f} orders/s   submit latency p50 {p50:6.3f} ms  p99 {p99:6.3f} ms"
        )
    rate, _, p99 = results["fsync"]
    print(f"  fsync vs os_buffer throughput ratio: {rate / results['os_buffer'][0]:.2f}")
    print(f"  vs targets: {rate / TARGET_RATE:.2f} x of {TARGET_RATE:,} orders/s", end="; ")
    print(f"p99 {p99:.3f} ms vs {TARGET_P99_MS} ms")


if __name__ == "__main__":
    sys.exit(main())
