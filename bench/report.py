"""The table of figures and ratios, the targets, the machine, and the README section."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from harness import Metric, Profile, Results, Scenario
from servers import PEERS_VENV

PEERS = ("ministack", "moto", "floor")
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def fmt(value: float) -> str:
    """Three significant figures, thousands separated."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {model}, Linux {platform.release()}, Python {platform.python_version()}"


def peer_versions() -> str:
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        return ""
    code = "import importlib.metadata as m; print(' '.join(f'{p} {m.version(p)}' for p in ('ministack', 'moto')))"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return out.stdout.strip()


def table(results: Results, scenarios: list[Scenario], servers: list[str], profile: Profile) -> str:
    peers = [p for p in PEERS if p in servers]
    ratio_peers = peers if "sluice" in servers else []
    head = ["Scenario", "Unit", *servers, *[f"sluice / {p}" for p in ratio_peers]]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for scenario in scenarios:
        for metric in scenario.metrics:
            cells = [metric.label.format(depth=profile.depth), f"{metric.unit} {'↑' if metric.better == 'higher' else '↓'}"]
            figures = {s: results.figure(metric, s) for s in servers}
            for server in servers:
                figure = figures[server]
                mark = " †" if results.is_marked(metric.key, server) else ""
                cells.append(fmt(figure) + mark if isinstance(figure, float) else ("n/a" if figure else "–"))
            for peer in ratio_peers:
                a, b = figures.get("sluice"), figures.get(peer)
                cells.append(fmt(a / b) + "x" if isinstance(a, float) and isinstance(b, float) and b else "–")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def reasons(results: Results, scenarios: list[Scenario]) -> list[str]:
    """One line per server and reason: which rows it blanked."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for scenario in scenarios:
        for metric in scenario.metrics:
            for server, reason in results.missing.get(metric.key, {}).items():
                if not results.values.get(metric.key, {}).get(server):
                    keys = grouped.setdefault((server, reason), [])
                    if scenario.name not in keys:
                        keys.append(scenario.name)
    return [f"{server} ({', '.join(names)}): n/a: {reason}" for (server, reason), names in grouped.items()]


def _figure(results: Results, key: str, server: str = "sluice") -> float | None:
    metric = _metrics().get(key)
    figure = results.figure(metric, server) if metric else None
    return figure if isinstance(figure, float) else None


def _metrics() -> dict[str, Metric]:
    import sns_scenarios
    import sqs_scenarios
    return {m.key: m for s in sqs_scenarios.SCENARIOS + sns_scenarios.SCENARIOS for m in s.metrics}


def targets(results: Results, profile: Profile) -> list[str]:
    """The issue's targets, each judged on this run's figures."""
    def ratio(key, peer):
        a, b = _figure(results, key), _figure(results, key, peer)
        return a / b if a is not None and b else None

    def depth_ratio(kind):
        a, b = _figure(results, f"depth.{kind}N"), _figure(results, f"depth.{kind}0")
        return a / b if a is not None and b else None

    checks = [
        ("SendMessage throughput at 8 connections >= 1.5x ministack", ratio("send8", "ministack"), lambda v: v >= 1.5, "{:.2f}x"),
        ("SendMessage throughput at 8 connections >= 40% of the HTTP floor", ratio("send8", "floor"), lambda v: v >= 0.4, "{:.0%}"),
        ("drain throughput >= ministack", ratio("drain", "ministack"), lambda v: v >= 1.0, "{:.2f}x"),
        (f"SendMessage p50 at {profile.depth:,} queued within 1.5x of empty", depth_ratio("send"), lambda v: v <= 1.5, "{:.2f}x"),
        (f"ReceiveMessage p50 at {profile.depth:,} queued within 1.5x of empty", depth_ratio("recv"), lambda v: v <= 1.5, "{:.2f}x"),
        ("long-poll wake p99 < 10 ms", _figure(results, "wake.p99"), lambda v: v < 10, "{:.2f} ms"),
        ("SNS fan-out p99 < 10 ms", _figure(results, "fanout.p99"), lambda v: v < 10, "{:.2f} ms"),
        ("SNS Publish throughput >= ministack", ratio("publish", "ministack"), lambda v: v >= 1.0, "{:.2f}x"),
    ]
    lines = []
    for label, value, ok, form in checks:
        verdict = "not measured" if value is None else (f"met ({form.format(value)})" if ok(value)
                                                         else f"NOT met ({form.format(value)})")
        lines.append(f"- {label}: {verdict}")
    return lines


def render(results: Results, scenarios: list[Scenario], servers: list[str], profile: Profile, command: str,
           elapsed: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"Measured {now} on {machine()}; {peer_versions()}.",
             f"Command: `{command}` ({elapsed / 60:.1f} min). Sluice on a file database (every request committed "
             "to SQLite); ↑ higher is better, ↓ lower is better; a ratio is Sluice's figure over the peer's.", "",
             table(results, scenarios, servers, profile)]
    missing = reasons(results, scenarios)
    if missing or results.notes:
        parts += ["", *[f"- {line}" for line in missing + results.notes]]
    if "sluice" in servers:
        parts += ["", "Targets (issue 4 and 5):", "", *targets(results, profile)]
    return "\n".join(parts)


def write_readme(readme: Path, section: str) -> None:
    text = readme.read_text() if readme.exists() else ""
    block = f"{START}\n{section}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text)
