"""`staffguard report`: the HTML page a manager opens, and the CSV for the incident form.

The seeded log (see `seed.py`) has five incidents in March 2025; the charts'
numbers are read back from the page's SVG, where each bar carries its value.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import UTC, date, datetime

import pytest

from bot.cli import main
from bot.cli.errors import ExitCode
from bot.cli.report import choose_period
from bot.reporting.incident_report import (
    INCIDENT_CSV_COLUMNS,
    IncidentReport,
    Period,
    PeriodKind,
    format_seconds,
    render_report,
)
from bot.storage.reports import GroupCount, RemovalTimes
from tests.review.seed import FORMULA_TEXT, REDACTED, SECRETS, THEATRES

CHART_TITLES = (
    "Incidents by category",
    "Incidents by group",
    "Incidents per month, last 12",
    "Repeat posters",
    "Time from post to removal",
    "Releases (false positives) by rule",
)


def charts_in(page: str) -> dict[str, dict[str, float]]:
    """Each chart's title and its bars (label: value), from the page's inline SVG."""
    found = {}
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL):
        title = html.unescape(re.search(r'aria-label="([^"]*)"', svg)[1])
        bars = re.findall(r"<title>([^<]*): ([\d,.]+)</title>", svg)
        found[title] = {
            html.unescape(label): float(value.replace(",", "")) for label, value in bars
        }
    return found


def facts_in(page: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)
    return {html.unescape(label): html.unescape(value) for label, value in pairs}


def report(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_month_report_counts_march_in_every_chart(review_log, capsys, cli_env) -> None:
    code, out, err = report(capsys, "--period", "month", "--of", "2025-03", "--out", "march.html")
    assert code == ExitCode.OK, err
    assert "StaffGuard incident report: March 2025" in out
    page = (cli_env / "march.html").read_text(encoding="utf-8")
    charts = charts_in(page)
    assert set(CHART_TITLES) <= set(charts)
    assert charts["Incidents by category"] == {
        "patient.name": 2,
        "patient.nhs_number": 1,
        "patient.dob": 1,
        "patient.hospital_number": 1,
        "conduct.offensive_language": 1,
        "conduct.political": 1,
    }
    assert charts["Incidents by group"] == {"Ward 7 nurses": 3, "Theatres rota": 2}
    trend = charts["Incidents per month, last 12"]
    assert next(iter(trend)) == "Apr 2024"
    assert list(trend.items())[-4:] == [
        ("Dec 2024", 1),
        ("Jan 2025", 0),
        ("Feb 2025", 2),
        ("Mar 2025", 5),
    ]
    assert charts["Repeat posters"] == {"Alice Adams (1001)": 2, "Bob Brown (1002)": 2}
    assert charts["Time from post to removal"] == {
        "under 2 s": 0,
        "2–10 s": 1,
        "10 s–1 min": 1,
        "1–10 min": 0,
        "10 min–1 h": 1,
        "1 h or more": 0,
    }
    assert charts["Releases (false positives) by rule"] == {
        "hospital_number.mrn": 1,
        "political.keyword": 1,
    }
    facts = facts_in(page)
    assert facts["Period"] == "Sat 1 March 2025 to Mon 31 March 2025 (UTC)"
    assert facts["Incidents"] == "5: remove 4, flag 1"
    assert facts["Previous month"] == "2 (up 150% this month)"
    assert facts["Review status"] == (
        "open 1 (20%), upheld 1 (20%), released 2 (40%), escalated 1 (20%)"
    )
    assert facts["Messages removed"] == ("3; half within 45 s, 90% within 20 min, slowest 20 min")
    assert facts["Not removed"].startswith("1 ")
    assert "1 message that should have been removed never left the group" in page


def test_the_page_is_self_contained_and_holds_no_message_text(sqlite_log, capsys, cli_env):
    code, _, _ = report(capsys, "--of", "2025-03", "--out", "march.html")
    assert code == ExitCode.OK
    page = (cli_env / "march.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page
    for fetches in ("<script", "src=", "href=", "url(", "@import"):
        assert fetches not in page
    for text in (*SECRETS, REDACTED, "[NHS number]", "x.example", "union ballot"):
        assert text not in page


def test_the_csv_has_a_row_per_incident_of_the_month(review_log, capsys, cli_env) -> None:
    code, out, err = report(capsys, "--of", "2025-03", "--out", "m.html", "--csv", "m.csv")
    assert code == ExitCode.OK, err
    assert "m.csv (5 incidents)" in out
    with (cli_env / "m.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == INCIDENT_CSV_COLUMNS
    ids = review_log.ids
    # F (1 April 00:00) and G (28 February 23:59) fall outside March.
    assert [int(row["incident_id"]) for row in rows] == [ids[letter] for letter in "EDCBA"]
    assert rows[0]["redacted_text"] == "'" + FORMULA_TEXT
    assert rows[2]["outcome_summary"] == "delete failed; ask admins to delete done"
    assert rows[2]["seconds_to_removal"] == ""
    assert rows[4]["seconds_to_removal"] == "3.0"
    content = (cli_env / "m.csv").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in content


def test_a_week_report_takes_its_name_from_the_iso_week(sqlite_log, capsys, cli_env) -> None:
    code, out, _ = report(capsys, "--period", "week", "--of", "2025-03-12")
    assert code == ExitCode.OK
    assert "staffguard-report-2025-W11.html" in out
    page = (cli_env / "staffguard-report-2025-W11.html").read_text(encoding="utf-8")
    assert "Week of Mon 10 March 2025" in page
    charts = charts_in(page)
    assert charts["Incidents by group"] == {"Ward 7 nurses": 1, "Theatres rota": 1}
    assert list(charts["Incidents per week, last 12"])[-2:] == ["3 Mar", "10 Mar"]


def test_a_group_report_counts_that_group_only(review_log, capsys, cli_env) -> None:
    code, _, err = report(capsys, "--of", "2025-03", "--group", "Theatres rota")
    assert code == ExitCode.OK, err
    page = (cli_env / "staffguard-report-2025-03-theatres-rota.html").read_text(encoding="utf-8")
    assert f"Theatres rota (chat {THEATRES})" in page
    charts = charts_in(page)
    assert charts["Incidents by group"] == {"Theatres rota": 2}
    assert charts["Incidents by category"] == {
        "conduct.offensive_language": 1,
        "conduct.political": 1,
    }
    assert facts_in(page)["Previous month"] == "1 (up 100% this month)"


def test_a_period_without_incidents_still_makes_a_page(sqlite_log, capsys, cli_env) -> None:
    code, _, _ = report(capsys, "--of", "2020-01", "--out", "empty.html")
    assert code == ExitCode.OK
    page = (cli_env / "empty.html").read_text(encoding="utf-8")
    assert page.count("No data") >= 5
    assert facts_in(page)["Review status"] == "nothing to review"


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--of", "2025-13"], ExitCode.BAD_INPUT, "--of: '2025-13' is not a date"),
        (["--of", "soon"], ExitCode.BAD_INPUT, "--of: 'soon' is not a date"),
        (["--group", "Ward 9"], ExitCode.BAD_INPUT, "no group is called 'Ward 9'"),
        (["--out", "no/such/folder/r.html"], ExitCode.USAGE, "cannot write no/such/folder/r.html"),
        (["--out", "same.html", "--csv", "same.html"], ExitCode.USAGE, "name the same file"),
    ],
)
def test_bad_input_writes_nothing(sqlite_log, capsys, cli_env, args, exit_code, message) -> None:
    before = set(cli_env.iterdir())
    code, _, err = report(capsys, *args)
    assert code == exit_code
    assert message in err
    assert set(cli_env.iterdir()) == before  # no report, no half-written temporary file


def test_a_missing_database_leaves_no_report(cli_env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", f"sqlite+aiosqlite:///{cli_env}/absent.db")
    code, _, err = report(capsys, "--of", "2025-03", "--csv", "x.csv")
    assert code == ExitCode.UNAVAILABLE
    assert "does not exist" in err
    assert list(cli_env.iterdir()) == []


# --- Periods and wording -------------------------------------------------------------------


def test_the_default_period_is_the_last_complete_one() -> None:
    now = datetime(2025, 3, 12, 9, tzinfo=UTC)  # a Wednesday
    assert choose_period(PeriodKind.MONTH, None, now).start == datetime(2025, 2, 1, tzinfo=UTC)
    assert choose_period(PeriodKind.WEEK, None, now).start == datetime(2025, 3, 3, tzinfo=UTC)
    assert choose_period(PeriodKind.WEEK, "today", now).start == datetime(2025, 3, 10, tzinfo=UTC)


def test_periods_cross_year_ends() -> None:
    december = Period.containing(PeriodKind.MONTH, date(2024, 12, 31))
    assert december.end == datetime(2025, 1, 1, tzinfo=UTC)
    assert december.key == "2024-12"
    assert [p.key for p in Period.containing(PeriodKind.MONTH, date(2025, 1, 5)).recent(3)] == [
        "2024-11",
        "2024-12",
        "2025-01",
    ]
    week = Period.containing(PeriodKind.WEEK, date(2025, 1, 1))  # a Wednesday
    assert week.start == datetime(2024, 12, 30, tzinfo=UTC)
    assert week.key == "2025-W01"
    assert week.last_day == date(2025, 1, 5)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0.8, "0.8 s"), (42, "42 s"), (185, "3 min 5 s"), (7800, "2 h 10 min"), (3600, "1 h")],
)
def test_durations_read_naturally(seconds, said) -> None:
    assert format_seconds(seconds) == said


def test_names_from_chats_are_escaped_and_an_unfinished_period_says_so() -> None:
    period = Period.containing(PeriodKind.WEEK, date(2025, 3, 12))
    hostile = '<script>alert("x")</script>'
    page = render_report(
        IncidentReport(
            period=period,
            generated_at=datetime(2025, 3, 12, 10, tzinfo=UTC),
            chat_id=None,
            group_title=None,
            by_action={"remove": 1},
            by_status={"open": 1},
            by_category=[("patient.name", 1)],
            by_group=[GroupCount(-1, hostile, 1)],
            trend=[(period, 1)],
            repeat_poster_total=0,
            repeat_posters=[],
            removal=RemovalTimes(0, 1, None, None, None, None, ()),
            rules=[],
        )
    )
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "This week is not over yet" in page
