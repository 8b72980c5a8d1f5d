"""EventBridge ScheduleExpression: which expressions PutRule takes, and when they fire.

Citations: "UG" is the EventBridge User Guide page "Setting a schedule pattern for scheduled rules"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html: field table, wildcards,
limitations, examples) and "UG rate" its rate section (eb-rate-expressions.html); "console" marks what
grumBit/aws_cron_expression_validator reports from the EventBridge console; "issue" an AWS answer quoted in a
public issue. Expected dates were read off a calendar, not computed by the code under test.
"""

from datetime import UTC, datetime

import pytest

from emulator.events.schedule import INVALID_SCHEDULE_EXPRESSION, parse_schedule

MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000


def ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 UTC time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


VALID_RATE = [
    ("UG rate: examples", "rate(1 minute)", MINUTE),
    ("UG rate: examples", "rate(5 minutes)", 5 * MINUTE),
    ("UG rate: examples", "rate(1 hour)", HOUR),
    ("UG rate: examples", "rate(1 day)", DAY),
    ("UG rate: plural above 1", "rate(12 hours)", 12 * HOUR),
    ("UG rate: plural above 1", "rate(2 days)", 2 * DAY),
    ("UG rate: fields separated by white space", "rate(10  minutes)", 10 * MINUTE),
]


@pytest.mark.parametrize(("source", "expression", "period_ms"), VALID_RATE)
def test_valid_rate(source, expression, period_ms):
    schedule = parse_schedule(expression)
    assert (schedule.kind, schedule.period_ms, schedule.expression) == ("rate", period_ms, expression)


VALID_CRON = [
    # --- UG: the examples table and the put-rule examples
    ("UG examples", "cron(0 10 * * ? *)"),
    ("UG examples", "cron(15 12 * * ? *)"),
    ("UG examples", "cron(0 18 ? * MON-FRI *)"),
    ("UG examples", "cron(0 8 1 * ? *)"),
    ("UG examples", "cron(0/15 * * * ? *)"),
    ("UG examples", "cron(0/10 * ? * MON-FRI *)"),
    ("UG examples", "cron(0/5 8-17 ? * MON-FRI *)"),
    ("UG examples: a range wrapping past midnight", "cron(0/30 20-2 ? * MON-FRI *)"),
    ("UG examples", "cron(0 12 * * ? *)"),
    ("UG examples", "cron(5,35 14 * * ? *)"),
    ("UG examples", "cron(15 10 ? * 6L 2019-2022)"),
    # --- UG: wildcards
    ("UG wildcards: , in Month", "cron(0 0 1 JAN,FEB,MAR ? *)"),
    ("UG wildcards: - in Day", "cron(0 0 1-15 * ? *)"),
    ("UG wildcards: 1/10 in Minutes", "cron(1/10 * * * ? *)"),
    ("UG wildcards: ? in Day-of-week", "cron(0 0 7 * ? *)"),
    ("UG wildcards: L in Day-of-month", "cron(0 0 L * ? *)"),
    ("UG wildcards: 3W", "cron(0 0 3W * ? *)"),
    ("UG wildcards: 3#2", "cron(0 0 ? * 3#2 *)"),
    ("UG wildcards: / in Year", "cron(0 0 1 1 ? 2020/4)"),
    # --- UG: the field table's bounds
    ("UG fields: upper bounds", "cron(59 23 31 12 ? 2199)"),
    ("UG fields: lower bounds", "cron(0 0 1 1 ? 1970)"),
    ("UG fields: Day-of-week 1-7", "cron(0 0 ? * 1-7 *)"),
    ("UG fields: SUN-SAT", "cron(0 0 ? * SUN-SAT *)"),
    ("UG fields: * in Day-of-week", "cron(0 0 ? * * *)"),
    # --- console (Quartz syntax beyond the UG)
    ("console: lone L in Day-of-week", "cron(0 18 ? * L *)"),
    ("console: named nL", "cron(0 18 ? * SATL *)"),
    ("console: LW", "cron(0 18 LW * ? *)"),
    ("console: 31W", "cron(0 18 31W * ? *)"),
    ("console: names in any case", "cron(1/5 8-17 ? * Mon-Fri *)"),
    ("console: leading zero", "cron(0 07/12 ? * * *)"),
    ("console: ranges with steps", "cron(0 1-7/2,11-23/2 * * ? *)"),
    ("console: year lists and ranges", "cron(0,5 07/12 ? * 1,5,7 2020-2021,2028-2199)"),
    ("console: MON#1", "cron(30 7 ? * MON#1 *)"),
]


@pytest.mark.parametrize(("source", "expression"), VALID_CRON)
def test_valid_cron(source, expression):
    schedule = parse_schedule(expression)
    assert (schedule.kind, schedule.expression) == ("cron", expression)


INVALID = [
    # --- UG rate: "If the value is equal to 1, then the unit must be singular..."
    ("UG rate: 1 needs the singular", "rate(1 minutes)"),
    ("UG rate: above 1 needs the plural", "rate(5 minute)"),
    ("UG rate: rate(1 hours) isn't valid", "rate(1 hours)"),
    ("UG rate: rate(5 hour) isn't valid", "rate(5 hour)"),
    ("UG rate: a positive number", "rate(0 minutes)"),
    ("UG rate: a positive number", "rate(-5 minutes)"),
    ("UG rate: a whole number of units", "rate(1.5 hours)"),
    ("UG rate: a number", "rate(five minutes)"),
    ("UG rate: valid units", "rate(30 seconds)"),
    ("UG rate: valid units", "rate(2 weeks)"),
    ("UG rate: two fields separated by white space", "rate(5minutes)"),
    ("UG rate: two fields", "rate(5)"),
    # --- UG: rules take rate() and cron() only (at() is EventBridge Scheduler's)
    ("UG: rate or cron", "at(2027-01-01T00:00:00)"),
    ("UG: rate or cron", ""),
    ("UG: rate or cron", "0 12 * * ? *"),
    # --- UG: "Cron expressions have six required fields"
    ("UG: six fields (issue: cds-snc/notification-terraform#344)", "cron(0 12 * * ?)"),
    ("UG: six fields", "cron(0 0 12 * * ? *)"),
    ("UG: six fields", "cron()"),
    # --- UG limitations: one of Day-of-month / Day-of-week must be ?
    ("UG limitations: * in both", "cron(0 18 * * * *)"),
    ("UG limitations: value in both (issue: localstack#12156)", "cron(7 20 * * 1-7 *)"),
    ("UG limitations: value in both", "cron(0 12 1 * MON *)"),
    ("UG limitations: ? in both (console)", "cron(0 9 ? * ? *)"),
    # --- UG fields: values out of range
    ("UG fields: Minutes 0-59", "cron(60 12 * * ? *)"),
    ("UG fields: Hours 0-23", "cron(0 24 * * ? *)"),
    ("UG fields: Day-of-month 1-31", "cron(0 12 0 * ? *)"),
    ("UG fields: Day-of-month 1-31", "cron(0 12 32 * ? *)"),
    ("UG fields: Month 1-12", "cron(0 12 * 13 ? *)"),
    ("UG fields: Day-of-week 1-7, not Unix's 0", "cron(0 12 ? * 0 *)"),
    ("UG fields: Day-of-week 1-7", "cron(0 12 ? * 8 *)"),
    ("UG fields: Year 1970-2199", "cron(0 12 * * ? 1969)"),
    ("UG fields: Year 1970-2199", "cron(0 12 * * ? 2200)"),
    ("UG fields: JAN-DEC names", "cron(0 12 * JANUARY ? *)"),
    ("UG fields: SUN-SAT names", "cron(0 12 ? * MONDAY *)"),
    ("console: at most two digits", "cron(0 001 * * ? *)"),
    # --- UG wildcards: only where the table allows them
    ("UG wildcards: ? only in the day fields", "cron(? 12 * * ? *)"),
    ("UG wildcards: no / in Day-of-week", "cron(0 12 ? * MON/2 *)"),
    ("UG wildcards: no L in Hours", "cron(0 L * * ? *)"),
    ("UG wildcards: no W in Day-of-week", "cron(0 12 ? * 5W *)"),
    ("UG wildcards: no # in Day-of-month", "cron(0 12 3#2 * ? *)"),
    ("UG wildcards: W needs a day", "cron(0 12 W * ? *)"),
    ("UG wildcards: nW within 1-31", "cron(0 12 32W * ? *)"),
    ("UG wildcards: only one # expression", "cron(0 12 ? * 3#1,6#3 *)"),
    ("UG wildcards: # instance 1-5 (console)", "cron(0 12 ? * 3#6 *)"),
    ("console: no nL in Day-of-month", "cron(0 18 3L * ? *)"),
    ("console: no L-n in Day-of-month", "cron(0 18 L-3 * ? *)"),
    ("issue aws/aws-sdk-js#4212: */60 in Minutes", "cron(*/60 * * * ? *)"),
    ("UG wildcards: an increment of 0", "cron(0/0 * * * ? *)"),
    ("UG wildcards: an empty list item", "cron(0 12 1, * ? *)"),
    ("UG wildcards: a range needs two ends", "cron(0 12 1- * ? *)"),
    ("UG wildcards: a range has two ends", "cron(0 1-2-3 * * ? *)"),
]


@pytest.mark.parametrize(("source", "expression"), INVALID)
def test_invalid(source, expression):
    with pytest.raises(ValueError) as raised:
        parse_schedule(expression)
    assert str(raised.value) == INVALID_SCHEDULE_EXPRESSION == "Parameter ScheduleExpression is not valid."


NEXT = [
    # (expression, after, expected first firing strictly after it)
    ("cron(0 12 * * ? *)", "2027-06-15T11:59:59", "2027-06-15T12:00:00"),
    ("cron(0 12 * * ? *)", "2027-06-15T12:00:00", "2027-06-16T12:00:00"),  # strictly after
    ("cron(0/15 * * * ? *)", "2027-06-15T10:07:00", "2027-06-15T10:15:00"),
    ("cron(0/15 * * * ? *)", "2027-06-15T10:45:00", "2027-06-15T11:00:00"),
    ("cron(0/15 * * * ? *)", "2027-12-31T23:50:00", "2028-01-01T00:00:00"),  # across the year
    ("cron(0 18 ? * MON-FRI *)", "2027-06-17T18:30:00", "2027-06-18T18:00:00"),  # Thu -> Fri
    ("cron(0 18 ? * MON-FRI *)", "2027-06-18T18:00:00", "2027-06-21T18:00:00"),  # Fri -> Mon
    ("cron(0 8 1 * ? *)", "2027-12-15T00:00:00", "2028-01-01T08:00:00"),
    ("cron(0 10 L * ? *)", "2027-01-01T00:00:00", "2027-01-31T10:00:00"),
    ("cron(0 10 L * ? *)", "2027-02-01T00:00:00", "2027-02-28T10:00:00"),
    ("cron(0 10 L * ? *)", "2028-02-01T00:00:00", "2028-02-29T10:00:00"),  # leap year
    ("cron(0 10 L * ? *)", "2100-02-01T00:00:00", "2100-02-28T10:00:00"),  # 2100 is not a leap year
    ("cron(0 10 ? * 6#3 *)", "2027-06-01T00:00:00", "2027-06-18T10:00:00"),  # third Friday (6 = FRI)
    ("cron(0 0 ? * 3#2 *)", "2027-06-01T00:00:00", "2027-06-08T00:00:00"),  # UG: 3#2 is the second Tuesday
    ("cron(15 10 ? * 6L 2027)", "2027-12-01T00:00:00", "2027-12-31T10:15:00"),  # last Friday of 2027
    ("cron(0 0 1 1 ? 2020)", "2019-06-01T00:00:00", "2020-01-01T00:00:00"),
    ("cron(0 0 29 2 ? *)", "2027-03-01T00:00:00", "2028-02-29T00:00:00"),
    ("cron(0 0 29 2 ? *)", "2096-03-01T00:00:00", "2104-02-29T00:00:00"),  # skips 2100
    ("cron(0 9 15W * ? *)", "2027-05-01T00:00:00", "2027-05-14T09:00:00"),  # the 15th is a Saturday
    ("cron(0 9 1W * ? *)", "2027-04-30T00:00:00", "2027-05-03T09:00:00"),  # the 1st is a Saturday: Monday
    ("cron(0 9 LW * ? *)", "2027-07-01T00:00:00", "2027-07-30T09:00:00"),  # the 31st is a Saturday
    ("cron(0 9 LW * ? *)", "2027-10-01T00:00:00", "2027-10-29T09:00:00"),  # the 31st is a Sunday
    ("cron(0 9 ? * L *)", "2027-06-13T00:00:00", "2027-06-19T09:00:00"),  # lone L: Saturday
    ("cron(0/30 20-2 ? * MON-FRI *)", "2027-06-18T22:10:00", "2027-06-18T22:30:00"),  # Friday night
    ("cron(0/30 20-2 ? * MON-FRI *)", "2027-06-18T23:45:00", "2027-06-21T00:00:00"),  # not Saturday 00:00
    ("cron(0 0 1 1 ? 2027,2029)", "2027-01-01T00:00:00", "2029-01-01T00:00:00"),  # a year left out
    ("cron(0 0 1 JAN ? 2028/2)", "2028-01-01T00:00:00", "2030-01-01T00:00:00"),
]


@pytest.mark.parametrize(("expression", "after", "expected"), NEXT)
def test_next_cron_firing(expression, after, expected):
    assert parse_schedule(expression).next_after(ms(after), anchor_ms=0) == ms(expected)


@pytest.mark.parametrize(("day", "expected"), [
    # AWS numbers the days of the week from 1 = SUN (UG fields), unlike Unix's 0 = Sunday.
    ("1", "2027-06-13"), ("SUN", "2027-06-13"), ("2", "2027-06-14"), ("MON", "2027-06-14"),
    ("4", "2027-06-16"), ("6", "2027-06-18"), ("7", "2027-06-19"), ("SAT", "2027-06-19"),
])
def test_day_of_week_numbering_starts_on_sunday(day, expected):
    schedule = parse_schedule(f"cron(0 9 ? * {day} *)")
    assert schedule.next_after(ms("2027-06-13T00:00:00"), anchor_ms=0) == ms(f"{expected}T09:00:00")


@pytest.mark.parametrize(("expression", "after"), [
    ("cron(0 0 1 1 ? 2020)", "2020-01-01T00:00:00"),  # its only firing is not after itself
    ("cron(0 0 1 1 ? 2020)", "2024-06-01T00:00:00"),  # a past year: never again
    ("cron(15 10 ? * 6L 2027)", "2027-12-31T10:15:00"),
    ("cron(0 0 * * ? 1970-2199)", "2199-12-31T23:59:00"),  # the last year AWS knows has ended
    ("cron(0 0 30 2 ? *)", "2027-01-01T00:00:00"),  # February has no 30th
])
def test_cron_that_never_fires_again(expression, after):
    assert parse_schedule(expression).next_after(ms(after), anchor_ms=0) is None


def test_cron_ignores_sub_second_part_of_after():
    schedule = parse_schedule("cron(0 12 * * ? *)")
    assert schedule.next_after(ms("2027-06-15T12:00:00") + 500, anchor_ms=0) == ms("2027-06-16T12:00:00")
    assert schedule.next_after(ms("2027-06-15T11:59:59") + 999, anchor_ms=0) == ms("2027-06-15T12:00:00")


@pytest.mark.parametrize(("expression", "anchor", "after", "expected"), [
    # UG rate: "A rate expression starts when you create the scheduled event rule": fixed periods from the anchor.
    ("rate(5 minutes)", "2027-03-14T23:52:30", "2027-03-14T23:58:00", "2027-03-15T00:02:30"),  # over midnight
    ("rate(5 minutes)", "2027-03-14T23:52:30", "2027-03-14T23:57:30", "2027-03-15T00:02:30"),  # strictly after
    ("rate(5 minutes)", "2027-03-14T23:52:30", "2027-03-14T23:52:30", "2027-03-14T23:57:30"),  # not at creation
    ("rate(5 minutes)", "2027-03-14T23:52:30", "2027-03-14T20:00:00", "2027-03-14T23:57:30"),  # before creation
    ("rate(1 day)", "2027-01-31T12:00:00", "2027-02-28T12:00:00", "2027-03-01T12:00:00"),  # not a leap year
    ("rate(1 day)", "2028-01-31T12:00:00", "2028-02-28T12:00:00", "2028-02-29T12:00:00"),  # a leap year
    ("rate(2 hours)", "2027-06-15T07:30:00", "2027-06-15T23:59:59", "2027-06-16T01:30:00"),
])
def test_next_rate_firing(expression, anchor, after, expected):
    assert parse_schedule(expression).next_after(ms(after), anchor_ms=ms(anchor)) == ms(expected)


def test_sixty_consecutive_rate_firings():
    schedule = parse_schedule("rate(1 minute)")
    anchor = ms("2027-06-15T10:00:20")
    firings, t = [], anchor
    for _ in range(60):
        t = schedule.next_after(t, anchor_ms=anchor)
        firings.append(t)
    assert firings == [anchor + k * MINUTE for k in range(1, 61)]
    assert firings[-1] == ms("2027-06-15T11:00:20")


def test_sixty_consecutive_cron_firings_every_minute():
    schedule = parse_schedule("cron(* * * * ? *)")
    firings, t = [], ms("2027-06-15T23:30:10")
    for _ in range(60):
        t = schedule.next_after(t, anchor_ms=0)
        firings.append(t)
    assert firings == [ms("2027-06-15T23:31:00") + k * MINUTE for k in range(60)]
