"""Benchmark Sluice against ministack, moto and the HTTP floor, interleaved, in one run.

    python bench/run.py [--quick] [--only sluice,ministack,moto,floor] [--scenarios send8,drain,...]

Installs the peers into bench/.venv-peers (from PyPI) and wrk (Debian) when missing; starts every server
on its own loopback port; runs each scenario against each server in turn (the order rotating per round);
prints the figures, the ratios and the targets; saves them under bench/results/; a full run of every
server and scenario also writes the table into bench/README.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import events_scenarios  # noqa: E402
import load  # noqa: E402
import report  # noqa: E402
import servers as servers_mod  # noqa: E402
import sns_scenarios  # noqa: E402
import sqs_scenarios  # noqa: E402
from common import NotApplicable, short_error  # noqa: E402
from harness import FULL, QUICK, Context, Results  # noqa: E402

SCENARIOS = sqs_scenarios.SCENARIOS + sns_scenarios.SCENARIOS + events_scenarios.SCENARIOS


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a ~2-minute smoke run (1 round, smaller sizes)")
    parser.add_argument("--only", default=",".join(servers_mod.ALL),
                        help=f"servers, comma-separated (default: {','.join(servers_mod.ALL)})")
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS),
                        help=f"scenarios, comma-separated (default: all: {','.join(s.name for s in SCENARIOS)})")
    parser.add_argument("--readme", action=argparse.BooleanOptionalAction, default=None,
                        help="write the table into bench/README.md (default: only for a full run of everything)")
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for name in args.only:
        if name not in servers_mod.ALL:
            parser.error(f"unknown server {name!r}; choose from {', '.join(servers_mod.ALL)}")
    known = {s.name for s in SCENARIOS}
    for name in args.scenarios:
        if name not in known:
            parser.error(f"unknown scenario {name!r}; choose from {', '.join(sorted(known))}")
    return args


def quiesce(ctx: Context, limit: float = 15.0) -> None:
    """Wait until no server burns CPU (a slow one may still be answering the last run's requests), so one
    server's backlog does not slow the next one's figures."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(s.cpu_seconds() for s in ctx.servers.values() if s.alive())
        time.sleep(0.25)
        if sum(s.cpu_seconds() for s in ctx.servers.values() if s.alive()) - before <= 0.03:
            return
    log(f"   (servers still busy after {limit:.0f} s; measuring anyway)")


def run_scenarios(ctx: Context, selected, order: list[str]) -> None:
    for scenario in selected:
        names = [n for n in order if n in scenario.servers]
        if not names:
            continue
        failed: set[str] = set()
        rounds = scenario.rounds(ctx)
        started = time.monotonic()
        log(f"== {scenario.name}: {', '.join(m.label.format(depth=ctx.profile.depth) for m in scenario.metrics)}")
        for round_ in range(rounds):
            rotated = names[round_ % len(names):] + names[:round_ % len(names)]  # interleaved, rotating
            for name in rotated:
                if name in failed:
                    continue
                server = ctx.servers[name]
                try:
                    if not server.alive():
                        raise NotApplicable(f"server exited ({server.proc.returncode}); see {server.log}")
                    quiesce(ctx)
                    scenario.run(ctx, server, round_)
                except Exception as exc:  # one server's failure must not end the run
                    reason = short_error(exc)
                    failed.add(name)
                    ctx.results.not_applicable([m.key for m in scenario.metrics], name, reason)
                    log(f"   {name}: n/a: {reason}")
        summary = []
        for name in names:
            figures = [ctx.results.figure(m, name) for m in scenario.metrics]
            shown = [report.fmt(f) for f in figures if isinstance(f, float)]
            if shown:
                summary.append(f"{name} {'/'.join(shown)}")
        log(f"   {'; '.join(summary) or 'no figures'}  ({time.monotonic() - started:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    profile = QUICK if args.quick else FULL
    selected = [s for s in SCENARIOS if s.name in args.scenarios]
    order = [n for n in servers_mod.ALL if n in args.only]
    command = "python bench/run.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    began = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = BENCH / "results"
    logdir = results_dir / f"logs-{stamp}"
    logdir.mkdir(parents=True, exist_ok=True)

    load.ensure_wrk(log)
    if {"ministack", "moto"} & set(order):
        servers_mod.ensure_peers(log)
    results = Results()
    ctx = Context(profile=profile, servers={}, results=results, log=log)
    try:
        for name in order:
            started = time.monotonic()
            ctx.servers[name] = servers_mod.start(name, logdir)
            log(f"{name} ready on {ctx.servers[name].url} ({time.monotonic() - started:.1f} s)")
        run_scenarios(ctx, selected, order)
    finally:
        receiver = ctx.extras.get("receiver")
        if receiver:
            receiver.close()
        for server in ctx.servers.values():
            server.stop()

    section = report.render(results, selected, order, profile, command, time.monotonic() - began)
    if "sluice" in order and (events_targets := events_scenarios.targets(results)):
        section += "\n\nTargets (EventBridge, issue 9):\n\n" + "\n".join(events_targets)
    print("\n" + section)
    (results_dir / f"{stamp}.md").write_text(section + "\n")
    (results_dir / f"{stamp}.json").write_text(json.dumps(
        {"command": command, "profile": profile.__dict__, "servers": order, **results.to_json()}, indent=1))
    everything = not args.quick and order == list(servers_mod.ALL) and len(selected) == len(SCENARIOS)
    if args.readme or (args.readme is None and everything):
        report.write_readme(BENCH / "README.md", section)
        log("\nwrote the table into bench/README.md")
    log(f"saved bench/results/{stamp}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
