"""Start-up cost of ``python -m emulator``: time from spawn to the ``Ready.`` line, and memory (RSS).

    python bench/startup.py            # 5 starts, --in-memory
    python bench/startup.py -n 10 --data-dir   # on a fresh file database each time

Each run spawns the server on a free loopback port, reads its output until ``Ready.``, reads its RSS
from /proc, makes one SQS call and reads the RSS again, then stops it with SIGTERM. Prints the median,
minimum and maximum of each figure. A measure, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import ROOT, free_port  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_once(data_dir: str | None, timeout: float = 60) -> dict[str, float]:
    port = free_port()
    storage = ["--data-dir", data_dir] if data_dir else ["--in-memory"]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--port", str(port), *storage, "--log-level", "warning"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    ready = threading.Event()
    output: list[str] = []
    ready_ms = 0.0

    def read() -> None:  # a thread, so that a silent process cannot hang the run past its timeout
        nonlocal ready_ms
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "Ready." in line and not ready.is_set():
                ready_ms = (time.perf_counter() - started) * 1000
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout):
            raise RuntimeError("Sluice did not log Ready.:\n" + "".join(output))
        rss_ready = rss_mb(proc.pid)
        r = httpx.post(f"http://127.0.0.1:{port}/", content=json.dumps({}), timeout=30, headers={
            "X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0"})
        r.raise_for_status()
        return {"ready_ms": ready_ms, "rss_ready_mb": rss_ready, "rss_after_call_mb": rss_mb(proc.pid)}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="number of starts (default 5)")
    parser.add_argument("--data-dir", action="store_true", help="a fresh file database per start, not --in-memory")
    args = parser.parse_args(argv)
    runs = []
    for i in range(args.n):
        with tempfile.TemporaryDirectory(prefix="sluice-startup-") as tmp:
            run = start_once(tmp if args.data_dir else None)
        runs.append(run)
        print(f"run {i + 1}: Ready. after {run['ready_ms']:.0f} ms, RSS {run['rss_ready_mb']:.1f} MB "
              f"({run['rss_after_call_mb']:.1f} MB after one call)", flush=True)
    print(f"\n{args.n} starts ({'file database' if args.data_dir else '--in-memory'}), spawn included:")
    for key, label, unit in (("ready_ms", "start to Ready.", "ms"), ("rss_ready_mb", "RSS at Ready.", "MB"),
                             ("rss_after_call_mb", "RSS after one call", "MB")):
        values = [r[key] for r in runs]
        print(f"  {label:<20} median {statistics.median(values):7.1f} {unit}   "
              f"min {min(values):7.1f}   max {max(values):7.1f}")


if __name__ == "__main__":
    main()
