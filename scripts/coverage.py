"""Print the operation coverage of each service as a Markdown table, from the operation registry.

    python3 scripts/coverage.py                     # print the table
    python3 scripts/coverage.py --readme README.md  # also rewrite the block between the markers
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.operations import implemented, load_handlers  # noqa: E402
from api.protocol.models import SERVICES, operation_names  # noqa: E402

START, END = "<!-- coverage:start -->", "<!-- coverage:end -->"
TITLES = {"sqs": "SQS", "sns": "SNS", "events": "EventBridge", "dynamodb": "DynamoDB",
          "dynamodbstreams": "DynamoDB Streams", "sts": "STS"}


def rows() -> list[tuple[str, int, int]]:
    load_handlers()
    out = []
    for service in SERVICES:
        modeled = set(operation_names(service))
        out.append((service, len(modeled & set(implemented(service))), len(modeled)))
    return out


def table(data: list[tuple[str, int, int]]) -> str:
    lines = ["| service | implemented | total | % |", "|---|---:|---:|---:|"]
    for service, done, total in data:
        lines.append(f"| {TITLES.get(service, service)} (`{service}`) | {done} | {total} | {100 * done / total:.0f}% |")
    done, total = sum(d for _, d, _ in data), sum(t for _, _, t in data)
    lines.append(f"| **all** | **{done}** | **{total}** | **{100 * done / total:.0f}%** |")
    return "\n".join(lines)


def rewrite(text: str, block: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"the markers {START} ... {END} are not in the file")
    return pattern.sub(lambda _: f"{START}\n{block}\n{END}", text, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, help="rewrite the coverage block of this Markdown file")
    args = parser.parse_args(argv)
    block = table(rows())
    print(block)
    if args.readme:
        text = args.readme.read_text()
        updated = rewrite(text, block)
        if updated != text:
            args.readme.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
