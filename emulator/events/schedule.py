"""The ScheduleExpression of PutRule: ``rate(...)`` and ``cron(...)``, validated as EventBridge does, and their firings.

Follows the EventBridge User Guide, "Setting a schedule pattern for scheduled rules" (cron and rate expressions):
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
(the same text as the older https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
and https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html). All times are UTC.

PutRule answers any invalid expression with ``ValidationException`` "Parameter ScheduleExpression is not valid."
(aws/aws-sdk-js#4212, localstack/localstack#12156, stackshy/cloudemu#1120 quote it from AWS).

Beyond the guide, these rules come from the Quartz cron syntax AWS's resembles, and from
grumBit/aws_cron_expression_validator, whose author checked them in the EventBridge console:
``LW``, a lone ``L`` in day-of-week (Saturday), names in any case, ``01`` but not ``001``, and Quartz's
largest increments (so ``*/60`` minutes is refused, as aws/aws-sdk-js#4212 shows AWS does).
Not settled by any source, so chosen here: fields are separated by runs of spaces or tabs with nothing around
them inside the parentheses; ``rate``/``cron`` and the units are lower case; a cron naming a day that never comes
(``cron(0 0 30 2 ? *)``) is accepted and never fires.

Calendar arithmetic is croniter's (it knows ``L``, ``nW``, ``L<dow>`` and ``<dow>#n``; cronsim lacks ``nW``): each
AWS field is translated to croniter's five-field syntax, and the year field, which croniter's cron lacks, is
applied here.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from croniter import CroniterBadDateError, croniter

INVALID_SCHEDULE_EXPRESSION = "Parameter ScheduleExpression is not valid."

# "rate(value unit)": two fields separated by white space; value a positive number; the unit singular for 1
# and plural otherwise ("rate(1 hours) and rate(5 hour) aren't valid").
_RATE = re.compile(r"rate\(([0-9]+)[ \t]+(minute|minutes|hour|hours|day|days)\)")
_UNIT_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
# "cron(fields)": six fields separated by white space.
_CRON = re.compile(r"cron\((\S+(?:[ \t]+\S+)*)\)")
_DIGITS = re.compile(r"[0-9]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Invalid(Exception):
    """Some field is not valid; parse_schedule turns it into AWS's one message."""


@dataclass(frozen=True)
class _Field:
    low: int
    high: int
    width: int  # most digits in a number: "01" is accepted, "001" is not
    max_step: int  # Quartz's largest increment after '/'; 0 where '/' is not allowed
    names: tuple[str, ...] = ()  # names of low..high, in order


_MINUTES = _Field(0, 59, 2, 59)
_HOURS = _Field(0, 23, 2, 23)
_DAYS = _Field(1, 31, 2, 31)
_MONTHS = _Field(1, 12, 2, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))
_WEEKDAYS = _Field(1, 7, 1, 0, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))  # AWS: 1 = Sunday; no '/'
_YEARS = _Field(1970, 2199, 4, 229)


@dataclass(frozen=True)
class Schedule:
    """A parsed ScheduleExpression; ``next_after`` gives its firings (epoch milliseconds, UTC)."""

    expression: str
    kind: Literal["rate", "cron"]
    period_ms: int = 0  # rate: the interval
    cron: str = ""  # cron: minutes to day-of-week, in croniter's syntax
    years: tuple[int, ...] = ()  # cron: the years it fires in, ascending

    def next_after(self, after_ms: int, *, anchor_ms: int) -> int | None:
        """The first firing strictly after ``after_ms``, or None when the schedule never fires again.

        A rate schedule fires at ``anchor_ms + k * period`` for k >= 1: the guide says a rate expression "starts
        when you create the scheduled event rule", so the anchor is when the rule was created or enabled and
        the first firing is one period later. A cron schedule fires on whole minutes and ignores the anchor.
        """
        if self.kind == "rate":
            if after_ms < anchor_ms:
                return anchor_ms + self.period_ms
            return anchor_ms + ((after_ms - anchor_ms) // self.period_ms + 1) * self.period_ms
        return _next_cron(self.cron, self.years, after_ms)


def parse_schedule(expression: str) -> Schedule:
    """Validate a ScheduleExpression; raises ``ValueError(INVALID_SCHEDULE_EXPRESSION)`` as PutRule refuses it."""
    try:
        if rate := _RATE.fullmatch(expression):
            return _parse_rate(expression, int(rate[1]), rate[2])
        if cron := _CRON.fullmatch(expression):
            return _parse_cron(expression, cron[1].upper().split())
    except _Invalid:
        pass
    raise ValueError(INVALID_SCHEDULE_EXPRESSION)


def _parse_rate(expression: str, value: int, unit: str) -> Schedule:
    if value < 1 or unit.endswith("s") != (value != 1):
        raise _Invalid
    return Schedule(expression, "rate", period_ms=value * _UNIT_MS[unit.rstrip("s")])


def _parse_cron(expression: str, fields: list[str]) -> Schedule:
    if len(fields) != 6:
        raise _Invalid
    minutes, hours, dom, months, dow, years = fields
    # "If you specify a value or a * (asterisk) in one of the fields, you must use a ? (question mark) in the other."
    if (dom == "?") == (dow == "?"):
        raise _Invalid
    cron = " ".join((
        _join(_expand(minutes, _MINUTES), _MINUTES),
        _join(_expand(hours, _HOURS), _HOURS),
        _day_of_month(dom),
        _join(_expand(months, _MONTHS), _MONTHS),
        _day_of_week(dow),
    ))
    croniter(cron, _EPOCH)  # a translation croniter refuses is a bug here, not a user error: let it raise
    return Schedule(expression, "cron", cron=cron, years=tuple(sorted(_expand(years, _YEARS))))


def _day_of_month(text: str) -> str:
    """Day-of-month allows ``, - * ? / L W``; ``L``, ``LW`` and ``nW`` stand alone."""
    if text in ("?", "*"):
        return "*"  # '?' ("any") leaves the choice to day-of-week
    if text == "L":
        return "L"
    if text == "LW":
        # croniter has no LW, but clamps nW to the month's last day, so 31W is the weekday nearest the last day.
        return "31W"
    if text.endswith("W"):
        return f"{_number(text[:-1], _DAYS)}W"
    return _join(_expand(text, _DAYS), _DAYS)


def _day_of_week(text: str) -> str:
    """Day-of-week allows ``, - * ? L #`` with 1 = SUN; croniter counts 0 = Sunday."""
    if text in ("?", "*"):
        return "*"
    if text == "L":
        return "6"  # a lone L is the last day of the week: Saturday
    if text.endswith("L"):  # 6L / FRIL: the last Friday of the month
        return f"L{_number(text[:-1], _WEEKDAYS) - 1}"
    if "#" in text:  # 3#2: the second Tuesday; "3#1,6#3" is not valid (one '#' expression only)
        day, _, nth = text.partition("#")
        if nth not in ("1", "2", "3", "4", "5"):
            raise _Invalid
        return f"{_number(day, _WEEKDAYS) - 1}#{nth}"
    return _join(_expand(text, _WEEKDAYS), _WEEKDAYS, shift=-1)


def _expand(text: str, field: _Field) -> set[int]:
    """A field of ``, - * /`` terms as the set of values it selects."""
    values: set[int] = set()
    for term in text.split(","):
        values.update(_term(term, field))
    return values


def _term(term: str, field: _Field) -> range | set[int]:
    base, slash, step_text = term.partition("/")
    step = 1
    if slash:
        if not _DIGITS.fullmatch(step_text) or not 1 <= int(step_text) <= field.max_step:
            raise _Invalid
        step = int(step_text)
    if base == "*":
        return range(field.low, field.high + 1, step)
    if "-" in base:
        first_text, _, last_text = base.partition("-")
        first, last = _number(first_text, field), _number(last_text, field)
    else:
        first = _number(base, field)
        last = field.high if slash else first  # "1/10": from 1 to the end of the field, every 10th
    # A range may wrap past the end of the field: the guide's example "20-2" hours is 10 pm to 2 am.
    size = field.high - field.low + 1
    span = (last - first) % size
    return {field.low + (first - field.low + i) % size for i in range(0, span + 1, step)}


def _number(text: str, field: _Field) -> int:
    if text in field.names:
        return field.low + field.names.index(text)
    if len(text) > field.width or not _DIGITS.fullmatch(text):
        raise _Invalid
    value = int(text)
    if not field.low <= value <= field.high:
        raise _Invalid
    return value


def _join(values: set[int], field: _Field, shift: int = 0) -> str:
    """A value set in croniter's syntax ('*' when it is the whole field), each value moved by ``shift``."""
    if len(values) == field.high - field.low + 1:
        return "*"
    return ",".join(str(v + shift) for v in sorted(values))


def _next_cron(cron: str, years: tuple[int, ...], after_ms: int) -> int | None:
    # Firings are whole minutes, so the first one after the whole second holding after_ms is the answer.
    start = datetime.fromtimestamp(after_ms // 1000, UTC)
    while True:
        try:
            fire = croniter(cron, start).get_next(datetime)
        except CroniterBadDateError:  # no match in croniter's 50-year horizon: a day that never comes (Feb 30)
            return None
        i = bisect_left(years, fire.year)
        if i == len(years):
            return None  # no year left: the schedule has ended
        if years[i] == fire.year:
            return int(fire.timestamp()) * 1000
        start = datetime(years[i], 1, 1, tzinfo=UTC) - timedelta(seconds=1)  # resume at the next allowed year
