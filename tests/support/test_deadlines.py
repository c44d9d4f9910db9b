"""The working-day calendar and every deadline rule, on dates worked out by hand against the production calendar
of the Russian Federation (2025: 1 November a working Saturday, 3 November off; 2026: 1–11 January, 9 March,
11 May and 31 December off; 2027: 1–10 January off)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from webapp.config import load_settings
from webapp.exceptions import ConfigurationError
from webapp.support.calendar import WorkCalendar, load_calendar, parse_overrides
from webapp.support.deadlines import CaseFacts, Deadline, Fact, add_months, case_deadlines

D = dt.date
RU = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 11, 1), True),  # Saturday made a working day
        (D(2025, 11, 3), False),  # ... for this Monday
        (D(2025, 12, 31), False),  # transferred from 5 January 2025
        (D(2026, 1, 9), False),  # transferred from 3 January 2026
        (D(2026, 1, 12), True),
        (D(2026, 3, 9), False),  # 8 March fell on a Sunday
        (D(2026, 5, 11), False),  # 9 May fell on a Saturday
        (D(2026, 12, 31), False),  # transferred from 4 January 2026
        (D(2027, 2, 20), True),  # working Saturday of 2027
        (D(2026, 11, 21), False),  # an ordinary Saturday
    ],
)
def test_working_days_follow_the_production_calendar(day: dt.date, working: bool) -> None:
    assert RU.is_working_day(day) is working


def test_adding_working_days_crosses_weekends_holidays_and_the_new_year() -> None:
    assert RU.add_working_days(D(2025, 12, 29), 3) == D(2026, 1, 13)  # 30 Dec, 12 Jan, 13 Jan
    assert RU.add_working_days(D(2025, 10, 30), 3) == D(2025, 11, 5)  # 31 Oct, Sat 1 Nov, 5 Nov
    assert RU.add_working_days(D(2026, 3, 5), 3) == D(2026, 3, 11)  # 6, 10, 11 March
    assert RU.add_working_days(D(2026, 11, 23), 0) == D(2026, 11, 23)
    assert RU.working_days_between(D(2026, 12, 29), D(2027, 1, 12)) == 3
    assert RU.working_days_between(D(2027, 1, 12), D(2026, 12, 29)) == -3


def test_overrides_from_a_file_take_precedence() -> None:
    text = "# decree of some day\n2026-12-30 off\n\n2026-11-21 working  # a Saturday\n"
    calendar = WorkCalendar(parse_overrides(text))
    assert not calendar.is_working_day(D(2026, 12, 30))
    assert calendar.is_working_day(D(2026, 11, 21))
    assert calendar.add_working_days(D(2026, 12, 28), 2) == D(2027, 1, 11)  # 29 Dec, then 11 Jan


@pytest.mark.parametrize("line", ["2026-13-01 off", "2026-12-30", "2026-12-30 holiday", "tomorrow off"])
def test_a_bad_override_line_is_named(line: str) -> None:
    with pytest.raises(ConfigurationError, match="line 2"):
        parse_overrides("2026-12-30 off\n" + line)


def test_adding_months_keeps_the_day_or_takes_the_last_of_a_short_month() -> None:
    assert add_months(D(2026, 2, 28), 6) == D(2026, 8, 28)
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


def facts(*items: tuple[str, dt.date], kind: str = "family", categories: frozenset[str] = frozenset()) -> CaseFacts:
    documents = {"inspection_act", "family_passport", "district_passport", "ippsu_conclusion"}
    case = CaseFacts(1, kind, categories, D(2025, 1, 10), None)
    case.facts = [
        Fact("document" if name in documents else "event", number, name, on)
        for number, (name, on) in enumerate(items, start=1)
    ]
    return case


def of_kind(case: CaseFacts, kind: str, today: dt.date) -> list[Deadline]:
    return [deadline for deadline in case_deadlines(case, RU, today) if deadline.kind == kind]


def summary(deadlines: list[Deadline]) -> list[tuple[dt.date, str, dt.date | None]]:
    return [(deadline.due_on, deadline.status, deadline.met_on) for deadline in deadlines]


def test_information_is_due_three_working_days_after_the_problem_across_the_new_year() -> None:
    on_time = facts(("problem_detected", D(2026, 12, 29)), ("inspection_act", D(2027, 1, 12)))
    assert summary(of_kind(on_time, "information", D(2027, 2, 1))) == [(D(2027, 1, 12), "met", D(2027, 1, 12))]
    late = facts(("problem_detected", D(2026, 12, 29)), ("information_collected", D(2027, 1, 13)))
    [deadline] = of_kind(late, "information", D(2027, 2, 1))
    assert (deadline.status, deadline.status_label) == ("overdue", "Выполнено с опозданием")
    waiting = facts(("problem_detected", D(2026, 12, 29)), ("inspection_act", D(2026, 12, 1)))  # an older act
    assert summary(of_kind(waiting, "information", D(2027, 1, 12))) == [(D(2027, 1, 12), "open", None)]
    assert summary(of_kind(waiting, "information", D(2027, 1, 13))) == [(D(2027, 1, 12), "overdue", None)]


def test_ippsu_proposals_are_due_five_working_days_after_the_appeal() -> None:
    case = facts(("appeal", D(2026, 5, 8)))  # Friday; 11 May is off: 12, 13, 14, 15, 18 May
    assert summary(of_kind(case, "ippsu_proposals", D(2026, 5, 18))) == [(D(2026, 5, 18), "open", None)]
    assert summary(of_kind(case, "ippsu_proposals", D(2026, 5, 19))) == [(D(2026, 5, 18), "overdue", None)]
    case.facts.append(Fact("event", 9, "ippsu_proposals", D(2026, 5, 15)))
    assert summary(of_kind(case, "ippsu_proposals", D(2026, 6, 1))) == [(D(2026, 5, 18), "met", D(2026, 5, 15))]


def test_ippsu_implementation_starts_within_fifteen_working_days_of_approval() -> None:
    case = facts(("ippsu_approved", D(2026, 10, 26)), ("ippsu_started", D(2026, 11, 17)))  # 4 November is off
    assert summary(of_kind(case, "ippsu_start", D(2026, 11, 23))) == [(D(2026, 11, 17), "met", D(2026, 11, 17))]


def test_passports_are_renewed_every_half_year() -> None:
    case = facts(("family_passport", D(2026, 2, 28)), ("family_passport", D(2026, 8, 31)))
    assert summary(of_kind(case, "family_passport", D(2026, 11, 23))) == [
        (D(2026, 8, 28), "overdue", D(2026, 8, 31)),
        (D(2027, 2, 28), "open", None),
    ]
    district = facts(("district_passport", D(2026, 1, 12)), kind="district")
    assert summary(of_kind(district, "district_passport", D(2026, 11, 23))) == [(D(2026, 7, 12), "overdue", None)]
    closed = facts(("family_passport", D(2026, 8, 31)))
    closed.closed_on = D(2026, 11, 1)  # a renewal not yet due when the case closed is not owed
    assert of_kind(closed, "family_passport", D(2027, 6, 1)) == []


def test_citizens_55_plus_and_disabled_are_contacted_every_month() -> None:
    case = facts(
        ("contact", D(2026, 9, 20)),
        ("home_visit", D(2026, 11, 2)),
        kind="citizen",
        categories=frozenset({"elderly_alone"}),
    )
    case.opened_on = D(2026, 9, 15)
    assert summary(of_kind(case, "monthly_contact", D(2026, 11, 23))) == [
        (D(2026, 9, 30), "met", D(2026, 9, 20)),
        (D(2026, 10, 31), "overdue", None),
        (D(2026, 11, 30), "met", D(2026, 11, 2)),
    ]
    case.facts = case.facts[:1]
    assert summary(of_kind(case, "monthly_contact", D(2026, 12, 2)))[2:] == [
        (D(2026, 11, 30), "overdue", None),
        (D(2026, 12, 31), "open", None),
    ]
    for other in (facts(kind="citizen", categories=frozenset({"migrant"})), facts(kind="family")):
        assert of_kind(other, "monthly_contact", D(2026, 11, 23)) == []


def test_effectiveness_is_assessed_every_quarter_while_the_programme_runs() -> None:
    case = facts(("ippsu_started", D(2026, 3, 10)), ("effectiveness_assessed", D(2026, 6, 5)))
    assert summary(of_kind(case, "effectiveness", D(2026, 11, 23))) == [
        (D(2026, 6, 10), "met", D(2026, 6, 5)),
        (D(2026, 9, 5), "overdue", None),
    ]
    case.facts.append(Fact("document", 7, "ippsu_conclusion", D(2026, 11, 20)))  # a conclusion assesses it too
    assert summary(of_kind(case, "effectiveness", D(2026, 11, 23)))[1:] == [
        (D(2026, 9, 5), "overdue", D(2026, 11, 20)),
        (D(2027, 2, 20), "open", None),
    ]
    ended = facts(
        ("ippsu_started", D(2026, 3, 10)), ("effectiveness_assessed", D(2026, 6, 5)), ("service_ended", D(2026, 8, 1))
    )
    assert summary(of_kind(ended, "effectiveness", D(2026, 11, 23))) == [(D(2026, 6, 10), "met", D(2026, 6, 5))]


def test_family_psychologist_rehabilitation_lasts_six_to_twelve_months() -> None:
    start = ("rehabilitation_started", D(2026, 1, 15))
    running = of_kind(facts(start), "rehabilitation", D(2026, 11, 23))
    assert summary(running) == [(D(2027, 1, 15), "open", None)]
    assert running[0].earliest_on == D(2026, 7, 15)
    done = facts(start, ("rehabilitation_completed", D(2026, 9, 1)))
    assert summary(of_kind(done, "rehabilitation", D(2026, 11, 23))) == [(D(2027, 1, 15), "met", D(2026, 9, 1))]
    early = facts(start, ("rehabilitation_completed", D(2026, 5, 1)))
    assert summary(of_kind(early, "rehabilitation", D(2026, 11, 23))) == [(D(2027, 1, 15), "early", D(2026, 5, 1))]
    assert summary(of_kind(facts(start), "rehabilitation", D(2027, 1, 16))) == [(D(2027, 1, 15), "overdue", None)]


def test_the_calendar_file_is_checked_at_start_and_reread_when_it_changes(tmp_path: Path) -> None:
    days = tmp_path / "calendar.txt"
    environ = {"CASEFILES_DATA_DIR": str(tmp_path / "data"), "CASEFILES_CALENDAR_FILE": str(days)}
    with pytest.raises(ConfigurationError, match="existing file"):
        load_settings(environ)
    days.write_text("2026-12-30 holiday\n")
    with pytest.raises(ConfigurationError, match="line 1"):
        load_settings(environ)
    days.write_text("2026-12-30 off\n")
    settings = load_settings(environ)
    assert not load_calendar(settings.calendar_file).is_working_day(D(2026, 12, 30))
    days.write_text("2026-12-30 working\n2026-12-29 off\n")
    os.utime(days, (days.stat().st_atime, days.stat().st_mtime + 5))
    calendar = load_calendar(settings.calendar_file)
    assert calendar.is_working_day(D(2026, 12, 30)) and not calendar.is_working_day(D(2026, 12, 29))
    assert load_calendar(None).is_working_day(D(2026, 12, 30))
