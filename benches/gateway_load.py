"""Load on the real `trader-gateway` over gRPC, fsync'd journal: a Rust open/closed-loop client, and Python.

Run: `.venv/bin/python benches/gateway_load.py` (builds the release binaries first). Targets from issue 4:
>= 20,000 orders/s sustained on the 2-core machine, p99 <= 2 ms.

The proof is the Rust client (`gateway-load`, crates/gateway_load) in an OPEN loop: orders are sent on a
fixed schedule at the target rate whatever the responses do, and each latency runs from the order's scheduled
send time, so queueing (in the server or the client) cannot hide (no coordinated omission). A closed loop with
the same client finds the maximum throughput. The floor under every number is the disk's fdatasync latency,
measured first in the same run on the same filesystem (into preallocated space, as the journal writes, and
appending). Beside each client-side number the gateway's own submit latency (decoded request to answer) and
group-commit round time come from its /metrics histograms. docs/gateway.md explains where the time goes.
The Python grpcio clients (processes x threads, closed loop) are printed beside: they share the 2 cores with
the server, and with 48 requests in flight their latency is concurrency / throughput (Little's law): what a
Python strategy node sees, not the server's latency.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from trader.execution.gateway_process import GatewayProcess, sim_config
from trader.execution.grpc_client import GatewayClient, OrderIntent

REPO_ROOT = Path(__file__).resolve().parent.parent
RELEASE = REPO_ROOT / "target" / "release"
TOKEN = "bench-token-0123456789abcdef"
TARGET_RATE = 20_000
TARGET_P99_MS = 2.0
# The Rust client: open loop at the target rate, then a closed loop for the maximum.
OPEN_SECONDS = 10
LOWER_RATES = (5_000, 10_000)
LOWER_SECONDS = 5
CLOSED_SECONDS = 5
CLOSED_CONCURRENCY = 64
CONNECTIONS = 1  # one channel, as one strategy node has; fewest syscalls per order
FSYNC_SAMPLES = 2_000
# The Python clients.
LATENCY_ORDERS = 2_000
PROCESSES = 3
THREADS = 16
ORDERS_PER_THREAD = 250


def _fsync_floor(directory: Path, *, preallocated: bool) -> tuple[float, float, float]:
    """p50/p99/p99.9 ms of a 200-byte write + fdatasync on the journal's filesystem: no commit is faster.

    Appending grows the file, so each sync also commits file system metadata; the gateway's journal instead
    overwrites space it zero-filled and synced ahead of time (`preallocated`), which syncs data only."""
    samples = []
    fd = os.open(directory / "fsync-probe", os.O_CREAT | os.O_RDWR | os.O_TRUNC)
    if preallocated:
        os.write(fd, bytes(FSYNC_SAMPLES * 200))
        os.fsync(fd)
        os.lseek(fd, 0, os.SEEK_SET)
    try:
        for _ in range(FSYNC_SAMPLES):
            os.write(fd, b"x" * 200)
            start = time.perf_counter()
            os.fdatasync(fd)
            samples.append(time.perf_counter() - start)
    finally:
        os.close(fd)
    samples.sort()
    p50, p99, p999 = (samples[len(samples) * q // 1000] * 1e3 for q in (500, 990, 999))
    return p50, p99, p999


@contextmanager
def _gateway(binary: Path, sync: str) -> Iterator[GatewayProcess]:
    """A fresh gateway (empty journal) on loopback with the simulated venue."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "gateway.toml"
        config.write_text(sim_config(Path(tmp) / "gateway.journal", sync=sync))
        process = GatewayProcess.start(binary, config, TOKEN)
        try:
            yield process
        finally:
            process.stop()


def _histogram_quantiles(metrics: str, name: str) -> dict[str, float]:
    """p50/p99/p99.9 in ms of a Prometheus histogram: the upper bound of the bucket each quantile falls in."""
    buckets: list[tuple[float, float]] = []
    for line in metrics.splitlines():
        if line.startswith(f'{name}_bucket{{le="'):
            le = line.split('"')[1]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    total = buckets[-1][1] if buckets else 0.0
    quantiles: dict[str, float] = {}
    for key, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
        bound = next((b for b, count in buckets if count >= q * total), float("inf")) if total else 0.0
        quantiles[key] = bound * 1e3
    return quantiles


def _server_metrics(process: GatewayProcess) -> str:
    request = urllib.request.Request(
        f"http://{process.http_address}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text: str = response.read().decode()
    return text


def _rust_load(gateway: Path, *args: str, sync: str = "fsync") -> dict[str, Any]:
    """Runs `gateway-load --json` against a fresh gateway (journal fsync'd by default); returns its report,
    with the gateway's own submit latency (its /metrics histogram, warm-up included) under `server`."""
    with _gateway(gateway, sync) as process:
        run = subprocess.run(
            [str(RELEASE / "gateway-load"), "--target", process.grpc_target, "--json", *args],
            env={**os.environ, "TRADER_GATEWAY_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            check=False,
        )
        metrics = _server_metrics(process)
    if not run.stdout.strip():
        raise SystemExit(f"gateway-load failed (exit {run.returncode}): {run.stderr.strip()}")
    report: dict[str, Any] = json.loads(run.stdout)
    report["server"] = _histogram_quantiles(metrics, "trader_gateway_submit_seconds")
    report["server_batch"] = _histogram_quantiles(metrics, "trader_gateway_submit_batch_seconds")
    return report


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


def _python_clients(binary: Path, sync: str) -> tuple[float, float, float]:
    with _gateway(binary, sync) as process:
        samples = sorted(_latencies(process.grpc_target))
        rate = _throughput(process.grpc_target)
    p50 = statistics.median(samples) * 1e3
    p99 = samples[int(len(samples) * 0.99) - 1] * 1e3
    return rate, p50, p99


def _print_rust(title: str, report: dict[str, Any]) -> None:
    latency = report["latency"] or {}
    ms = {key: latency.get(f"{key}_us", 0) / 1e3 for key in ("p50", "p99", "p999", "max")}
    print(
        f"  {title}: {report['achieved_rate']:9,.0f} orders/s acknowledged,"
        f" submit latency p50 {ms['p50']:.3f} ms"
        f"  p99 {ms['p99']:.3f} ms  p99.9 {ms['p999']:.3f} ms  max {ms['max']:.3f} ms"
        f"  ({report['sent']:,} sent, {report['failed']} failed, {report['unanswered']} unanswered)"
    )
    server, batch = report["server"], report["server_batch"]
    print(
        f"      server side (decoded request to answer, bucket bounds): p50 <= {server['p50']:.2f} ms"
        f"  p99 <= {server['p99']:.2f} ms  p99.9 <= {server['p999']:.2f} ms;"
        f" one group commit p50 <= {batch['p50']:.2f} ms  p99 <= {batch['p99']:.2f} ms"
    )
    if report["send_lag"]:
        lag = report["send_lag"]
        print(
            f"      client pacer lag (inside the latency): p50 {lag['p50_us'] / 1e3:.3f} ms"
            f"  p99 {lag['p99_us'] / 1e3:.3f} ms"
        )
    if report["first_error"]:
        print(f"      first failure: {report['first_error']}")


def main() -> None:
    subprocess.run(
        ["cargo", "build", "--release", "-p", "gateway_server", "-p", "gateway_load", "--quiet"],
        cwd=REPO_ROOT,
        check=True,
    )
    gateway = RELEASE / "trader-gateway"
    with tempfile.TemporaryDirectory() as tmp:
        floor = _fsync_floor(Path(tmp), preallocated=True)
        append_floor = _fsync_floor(Path(tmp), preallocated=False)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores, load average {load} (other work on the machine slows fsync and us)"
    )
    print(
        f"fsync floor on this disk (200 B write + fdatasync, {FSYNC_SAMPLES} times): into preallocated space"
        f" (the journal) p50 {floor[0]:.3f} ms  p99 {floor[1]:.3f} ms  p99.9 {floor[2]:.3f} ms; appending"
        f" p50 {append_floor[0]:.3f} ms  p99 {append_floor[1]:.3f} ms  p99.9 {append_floor[2]:.3f} ms"
        " (a submit waits for two commits)"
    )
    print(
        f"gateway over gRPC, Rust client (crates/gateway_load), journal fsync,"
        f" {CONNECTIONS} HTTP/2 connections"
    )
    for lower_rate in LOWER_RATES:  # where latency stands below the target rate: the shape of the curve
        lower = _rust_load(
            gateway, "--mode", "open", "--rate", str(lower_rate), "--duration", str(LOWER_SECONDS),
            "--connections", str(CONNECTIONS),
        )  # fmt: skip
        _print_rust(f"open loop {lower_rate:,}/s x {LOWER_SECONDS} s  ", lower)
    opened = _rust_load(
        gateway, "--mode", "open", "--rate", str(TARGET_RATE), "--duration", str(OPEN_SECONDS),
        "--connections", str(CONNECTIONS),
    )  # fmt: skip
    _print_rust(f"open loop {TARGET_RATE:,}/s x {OPEN_SECONDS} s ", opened)
    closed = _rust_load(
        gateway, "--mode", "closed", "--concurrency", str(CLOSED_CONCURRENCY),
        "--duration", str(CLOSED_SECONDS), "--connections", str(CONNECTIONS),
    )  # fmt: skip
    _print_rust(f"closed loop, {CLOSED_CONCURRENCY} in flight", closed)
    ceiling = _rust_load(
        gateway, "--mode", "closed", "--concurrency", str(CLOSED_CONCURRENCY),
        "--duration", str(CLOSED_SECONDS), "--connections", str(CONNECTIONS), sync="os_buffer",
    )  # fmt: skip
    _print_rust("same, journal os_buffer (no fsync)", ceiling)

    results = {sync: _python_clients(gateway, sync) for sync in ("fsync", "os_buffer")}
    print(
        f"gateway over gRPC, Python grpcio clients: {PROCESSES} processes x {THREADS} threads (closed loop)"
    )
    for sync, (rate, p50, p99) in results.items():
        print(
            f"  journal {sync:9}: {rate:9,.0f} orders/s"
            f"   one sequential client p50 {p50:6.3f} ms  p99 {p99:6.3f} ms"
        )
    p99 = (opened["latency"] or {}).get("p99_us", float("inf")) / 1e3
    rate = opened["achieved_rate"]
    met = (
        rate >= TARGET_RATE * 0.99 and p99 <= TARGET_P99_MS and opened["failed"] == opened["unanswered"] == 0
    )
    print(
        f"vs targets (Rust open loop, fsync): {rate:,.0f} of {TARGET_RATE:,} orders/s sustained, "
        f"p99 {p99:.3f} ms vs {TARGET_P99_MS} ms: {'MET' if met else 'NOT MET'}; "
        f"closed-loop max {closed['achieved_rate'] / TARGET_RATE:.2f} x the target rate"
    )


if __name__ == "__main__":
    main()
