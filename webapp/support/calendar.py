"""The working-day calendar of the Russian Federation: weekends, public holidays and transferred days off.

The `holidays` package keeps the production calendar per year (holidays, the days off they move to, and the
Saturdays made working days by government decree). A decree the installed package does not know yet is entered in
the file named by CASEFILES_CALENDAR_FILE, one day per line: `2027-12-31 off` or `2027-02-20 working`, `#` starts
a comment. The file is read again whenever it changes."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import holidays

from webapp.exceptions import ConfigurationError

DAY_KINDS = {"off": False, "working": True}


class WorkCalendar:
    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._official = holidays.country_holidays("RU")  # fills itself a year at a time as dates are asked

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        return bool(self._official.is_working_day(day))

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `start` (the day of the event itself is day 0)."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        day = start
        while count:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_working_day(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1))


def parse_overrides(text: str, source: str = "calendar file") -> dict[dt.date, bool]:
    overrides = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            day = None
        if day is None or len(parts) != 2 or parts[1].lower() not in DAY_KINDS:
            raise ConfigurationError(f"{source}, line {number}: expected `YYYY-MM-DD off` or `YYYY-MM-DD working`")
        overrides[day] = DAY_KINDS[parts[1].lower()]
    return overrides


def load_calendar(path: Path | None) -> WorkCalendar:
    """The calendar with the overrides from `path` (None or a missing file: the package's calendar alone)."""
    if path is None or not path.exists():
        return _cached(None, 0.0)
    return _cached(path, path.stat().st_mtime)


@functools.lru_cache(maxsize=4)
def _cached(path: Path | None, mtime: float) -> WorkCalendar:
    if path is None:
        return WorkCalendar()
    return WorkCalendar(parse_overrides(path.read_text(encoding="utf-8"), str(path.name)))
