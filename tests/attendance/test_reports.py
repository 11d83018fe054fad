"""Attendance from the platforms' report files: reading Zoom, Teams and mapped CSV exports, and
matching the people in them to registrations. The sample files in files/ are written like the
platforms' own exports; the small reports built inline here test one rule each."""

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from registrations.attendance.reports import (
    Absentee,
    Attendance,
    Candidate,
    Join,
    ParsedReport,
    ReportError,
    comparable_email,
    match_attendance,
    minutes_attended,
    normalise_name,
    parse_mapped_csv,
    parse_report,
    parse_teams,
    parse_zoom,
)

FILES = Path(__file__).parent / "files"
NAIROBI = "Africa/Nairobi"  # the Zoom account's zone: UTC+3 all year
BRUSSELS = "Europe/Brussels"  # the Teams tenant's zone: UTC+1 in November
GENERIC_MAPPING = {
    "name": "Participant name",
    "email": "E-mail address",
    "joined_at": "Arrived",
    "left_at": "Departed",
}


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def utc(month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def people(report: ParsedReport) -> list[tuple[str, int]]:
    return [(join.name, join.line) for join in report.joins]


def small_zoom(*attendee_rows: str) -> str:
    """A Zoom report cut down to what a rule needs; attendee rows start on line 7."""
    return "\n".join(
        [
            "Attendee Report",
            'Report Generated:,"Nov 12, 2026 11:40:07"',
            "Topic,Webinar ID,Actual Start Time",
            'Market access clinic,812 0000 1111,"Nov 12, 2026 09:55:02"',
            "Attendee Details,",
            "Attended,User Name (Original Name),First Name,Last Name,Email,"
            "Registration Time,Join Time,Leave Time",
            *attendee_rows,
        ]
    )


def one_time(value: str, *, time_zone: str = BRUSSELS, date_order: str = "auto") -> datetime:
    """The UTC reading of one date-time written in a mapped CSV file."""
    report = parse_mapped_csv(
        f'Name,Joined,Left\nAmina,"{value}","{value}"\n',
        mapping={"name": "Name", "joined_at": "Joined", "left_at": "Left"},
        time_zone=time_zone,
        date_order=date_order,
    )
    return report.joins[0].joined_at


# Zoom ------------------------------------------------------------------------------------------


def test_zoom_report_counts_attendees_not_host_or_panelists():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    assert report.platform == "zoom"
    emails = {join.email for join in report.joins}
    assert "webinars@tradesupport.example" not in emails
    assert "s.haddad@exportcouncil.example" not in emails
    assert people(report) == [
        ("Amina Ouédraogo", 14),
        ("Kwame Mensah", 15),
        ("Kwame Mensah", 16),
        ("Thị Hoa Nguyễn", 17),
        ("Thị Hoa Nguyễn", 18),
        ("Zoë Müller", 19),
        ("Pedro Alves", 20),
        ("Chidi Okeke", 22),  # Pedro's answer spans two lines, 20 and 21
        ("Ahmed Hassan", 23),
        ("Maria Silva", 24),
    ]


def test_zoom_times_are_read_in_the_account_zone_and_given_in_utc():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    amina = report.joins[0]
    assert amina.joined_at == utc(11, 12, 6, 58, 31)
    assert amina.left_at == utc(11, 12, 8, 31, 2)


def test_zoom_writes_one_row_per_join_so_a_rejoin_is_two_joins():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    kwame = [join for join in report.joins if join.name == "Kwame Mensah"]
    assert [(join.joined_at, join.left_at) for join in kwame] == [
        (utc(11, 12, 7, 1, 10), utc(11, 12, 7, 20, 40)),
        (utc(11, 12, 7, 24, 5), utc(11, 12, 7, 51, 35)),
    ]


def test_zoom_absentees_are_the_rows_attended_no_with_dashes():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    assert report.absentees == [
        Absentee("Fatou Diop", "fatou.diop@dakarsoap.example", 25),
        Absentee("Li Wei", "li.wei@shenzhen-parts.example", 26),
    ]


def test_custom_registration_questions_do_not_move_the_columns_we_read():
    # "Which market interests you?" holds a quoted comma for Amina and a line break for Pedro.
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    pedro = next(join for join in report.joins if join.name == "Pedro Alves")
    assert pedro.email == "pedro@cafealves.example"
    assert (pedro.joined_at, pedro.left_at) == (utc(11, 12, 7, 10), utc(11, 12, 7, 18, 29))


def test_zoom_names_come_from_registration_not_the_renamed_display_name():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    names = {join.email: join.name for join in report.joins}
    assert names["zoe.private@mailbox.example"] == "Zoë Müller"  # shown in the meeting as "Zoe M."
    assert names["Kwame.Mensah@GhanaCocoa.Example"] == "Kwame Mensah"


@pytest.mark.parametrize(
    "name",
    [
        "zoom_webinar_us.csv",  # 11/12/2026 09:58:31 AM: month first, 12-hour clock
        "zoom_webinar_dmy_bom_crlf.csv",  # 12/11/2026 09:58:31, UTF-8 BOM, Windows line endings
    ],
)
def test_the_same_report_in_other_locales_reads_the_same(name):
    expected = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    assert parse_report(read(name), time_zone=NAIROBI) == expected


def test_the_bom_and_windows_line_endings_are_really_in_that_sample():
    data = read("zoom_webinar_dmy_bom_crlf.csv")

    assert data.startswith(b"\xef\xbb\xbfAttendee Report\r\n")
    # Rows end in \r\n; like Excel, the line break inside Pedro's quoted answer is a lone \n.
    assert data.count(b"\r\n") == data.count(b"\n") - 1 == 25
    assert b'"Nordic countries\n(Sweden' in data


def test_old_mac_line_endings_read_the_same():
    data = read("zoom_webinar.csv").replace(b"\n", b"\r")

    report = parse_report(data, time_zone=NAIROBI)

    assert report == parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)


def test_auto_date_order_follows_the_registration_times_when_join_times_fit_both():
    # Every join time is 12/11/2026 or 11/12/2026; "28/10/2026" and "10/28/2026" settle it.
    day_first = parse_report(read("zoom_webinar_dmy_bom_crlf.csv"), time_zone=NAIROBI)
    month_first = parse_report(read("zoom_webinar_us.csv"), time_zone=NAIROBI)

    assert day_first.joins[0].joined_at.date() == month_first.joins[0].joined_at.date()
    assert day_first.joins[0].joined_at.month == 11


def test_dates_that_fit_both_orders_are_refused_until_the_organiser_chooses():
    text = small_zoom(
        "Yes,Amina Ouédraogo,Amina,Ouédraogo,amina@sahelfoods.example,"
        "01/11/2026 09:00:00,11/12/2026 10:00:00,11/12/2026 10:45:00"
    )

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert str(refused.value) == (
        "Line 7: the dates in this file, such as “01/11/2026 09:00:00”, can be read with the day "
        "or the month first; choose which comes first and import the file again."
    )
    day_first = parse_zoom(text, time_zone=NAIROBI, date_order="dmy")
    month_first = parse_zoom(text, time_zone=NAIROBI, date_order="mdy")
    assert day_first.joins[0].joined_at == utc(12, 11, 7, 0)
    assert month_first.joins[0].joined_at == utc(11, 12, 7, 0)


def test_a_file_that_mixes_date_orders_is_refused():
    text = small_zoom(
        "Yes,Amina Ouédraogo,Amina,Ouédraogo,amina@sahelfoods.example,"
        "28/10/2026 09:00:00,12/11/2026 10:00:00,12/11/2026 10:45:00",
        "Yes,Kwame Mensah,Kwame,Mensah,kwame@ghanacocoa.example,"
        "11/13/2026 09:00:00,12/11/2026 10:00:00,12/11/2026 10:45:00",
    )

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert refused.value.line == 8
    assert "“28/10/2026 09:00:00” on line 7" in refused.value.message


def test_a_chosen_date_order_that_the_file_contradicts_is_refused():
    with pytest.raises(ReportError) as refused:
        parse_report(read("zoom_webinar_dmy_bom_crlf.csv"), time_zone=NAIROBI, date_order="mdy")

    assert str(refused.value) == (
        "Line 14: the date “28/10/2026 14:02:11” cannot have the month first; is the day first?"
    )


def test_a_file_with_a_bad_date_is_refused_naming_its_line():
    with pytest.raises(ReportError) as refused:
        parse_report(read("zoom_bad_date.csv"), time_zone=NAIROBI)

    assert refused.value.line == 16
    assert str(refused.value) == "Line 16: the join time “31/02/2026 10:24:05” is not a date."


def test_a_file_cut_short_mid_row_is_refused_naming_the_row():
    with pytest.raises(ReportError) as refused:
        parse_report(read("zoom_truncated.csv"), time_zone=NAIROBI)

    assert str(refused.value) == (
        "Line 23: this row has 6 columns where the header on line 13 has 19; "
        "the file may be cut short."
    )


def test_a_file_cut_inside_a_quoted_answer_is_refused_naming_where_the_row_starts():
    text = read("zoom_webinar.csv").decode()
    cut = text[: text.index("(Sweden first")]

    with pytest.raises(ReportError) as refused:
        parse_report(cut.encode(), time_zone=NAIROBI, platform="zoom")

    assert str(refused.value) == (
        "Line 20: this line cannot be read as CSV (unexpected end of data)."
    )


def test_a_row_with_an_unquoted_comma_has_too_many_columns():
    text = small_zoom(
        "Yes,Amina Ouédraogo,Amina,Ouédraogo,amina@sahelfoods.example,"
        '"Oct 28, 2026 09:00:00","Nov 12, 2026 10:00:00","Nov 12, 2026 10:45:00"',
        "Yes,Kwame Mensah,Kwame,Mensah,Accra,kwame@ghanacocoa.example,"
        '"Oct 28, 2026 09:00:00","Nov 12, 2026 10:00:00","Nov 12, 2026 10:45:00"',
    )

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert refused.value.line == 8
    assert "more columns than the header on line 6" in refused.value.message


def test_an_attendee_row_with_neither_name_nor_email_is_refused():
    text = small_zoom(
        ',,,,,"Oct 28, 2026 09:00:00","Nov 12, 2026 10:00:00","Nov 12, 2026 10:45:00"'
    )

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert str(refused.value) == "Line 7: this row has neither a name nor an email address."


def test_an_attendee_who_attended_needs_times():
    text = small_zoom("Yes,Amina Ouédraogo,Amina,Ouédraogo,amina@sahelfoods.example,--,--,--")

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert str(refused.value) == "Line 7: the join time “--” is not a date."


def test_a_zoom_header_without_join_time_is_refused_naming_the_column():
    text = small_zoom().replace(",Join Time", ",Joined")

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert str(refused.value) == "Line 6: the column “Join Time” is missing from the header row."


def test_an_attendee_section_without_a_header_is_refused():
    text = small_zoom().rsplit("\n", 1)[0]

    with pytest.raises(ReportError) as refused:
        parse_zoom(text, time_zone=NAIROBI)

    assert str(refused.value) == "Line 5: this section has no header row."


def test_a_teams_report_is_not_read_as_zoom():
    with pytest.raises(ReportError) as refused:
        parse_report(read("teams_attendance.csv"), time_zone=BRUSSELS, platform="zoom")

    assert refused.value.line == 1
    assert "no “Attendee Details” section" in refused.value.message


# Teams -----------------------------------------------------------------------------------------


def test_teams_sample_is_utf16_with_tabs():
    data = read("teams_attendance.csv")

    assert data.startswith(b"\xff\xfe1\x00.\x00")
    assert "\t" in data.decode("utf-16")


def test_teams_report_reads_the_in_meeting_activities_of_attendees_only():
    report = parse_report(read("teams_attendance.csv"), time_zone=BRUSSELS)

    assert report.platform == "teams"
    assert report.absentees == []
    assert people(report) == [
        ("Amina Ouédraogo", 23),
        ("Amina Ouédraogo", 24),
        ("Kwame Mensah", 25),
        ("Thị Hoa Nguyễn", 26),
        ("Thị Hoa Nguyễn", 27),
        ("Zoë Müller", 28),  # "(Guest)" dropped from the name
        ("Chidi Okeke", 29),
    ]


def test_teams_times_with_two_digit_years_and_pm_are_read_in_the_tenant_zone():
    report = parse_report(read("teams_attendance.csv"), time_zone=BRUSSELS)

    chidi = report.joins[-1]
    assert (chidi.joined_at, chidi.left_at) == (utc(11, 19, 9, 30), utc(11, 19, 11, 1, 20))
    assert report.joins[2].email == "KWAME.MENSAH@ghanacocoa.example"


def test_teams_without_activities_uses_one_join_per_participant():
    text = read("teams_attendance.csv").decode("utf-16")
    text = text[: text.index("3. In-Meeting Activities")]

    report = parse_teams(text, time_zone=BRUSSELS)

    assert people(report) == [
        ("Amina Ouédraogo", 13),
        ("Kwame Mensah", 14),
        ("Thị Hoa Nguyễn", 15),
        ("Zoë Müller", 16),
        ("Chidi Okeke", 17),
    ]
    amina = report.joins[0]
    assert (amina.joined_at, amina.left_at) == (utc(11, 19, 8, 59, 2), utc(11, 19, 10, 1, 5))


def test_teams_utf16_without_byte_order_mark_reads_the_same():
    data = read("teams_attendance.csv")

    assert parse_report(data[2:], time_zone=BRUSSELS) == parse_report(data, time_zone=BRUSSELS)


def test_older_teams_table_with_join_and_leave_times_day_first():
    text = (
        "Meeting Summary\n"
        "Total Number of Participants\t3\n"
        "Meeting Title\tExport finance clinic\n"
        "Meeting Start Time\t19/11/2026, 09:55:14\n"
        "Meeting End Time\t19/11/2026, 11:02:40\n"
        "\n"
        "Full Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\tParticipant ID (UPN)\n"
        "Programme Team\t19/11/2026, 09:55:14\t19/11/2026, 11:02:40\t1h 7m\t"
        "webinars@tradesupport.example\tOrganizer\twebinars@tradesupport.example\n"
        "Amina Ouédraogo\t19/11/2026, 09:59:02\t19/11/2026, 11:01:05\t1h 2m\t"
        "amina@sahelfoods.example\tAttendee\tamina@sahelfoods.example\n"
        "Pedro Alves (Guest)\t19/11/2026, 10:10:00\t19/11/2026, 10:18:29\t8m 29s\t\tAttendee\t\n"
    )

    report = parse_report(text.encode("utf-16"), time_zone=BRUSSELS)

    assert report.platform == "teams"
    assert report.joins == [
        Join(
            "Amina Ouédraogo",
            "amina@sahelfoods.example",
            utc(11, 19, 8, 59, 2),
            utc(11, 19, 10, 1, 5),
            9,
        ),
        Join("Pedro Alves", "", utc(11, 19, 9, 10), utc(11, 19, 9, 18, 29), 10),
    ]


OLDEST_TEAMS = (
    "Full Name\tUser Action\tTimestamp\n"
    "Amina Ouédraogo\tJoined\t11/19/2026, 9:59:02 AM\n"
    "Kwame Mensah\tJoined before\t11/19/2026, 9:55:00 AM\n"
    "Amina Ouédraogo\tLeft\t11/19/2026, 10:31:40 AM\n"
    "Amina Ouédraogo\tJoined\t11/19/2026, 10:33:25 AM\n"
    "Kwame Mensah\tLeft\t11/19/2026, 10:30:00 AM\n"
    "Amina Ouédraogo\tLeft\t11/19/2026, 11:01:05 AM\n"
    "Chidi Okeke\tJoined\t11/19/2026, 10:30:00 AM\n"
)


def test_oldest_teams_format_pairs_joined_and_left_rows():
    report = parse_report(OLDEST_TEAMS.encode(), time_zone=BRUSSELS)

    assert [(join.name, join.joined_at, join.left_at, join.line) for join in report.joins] == [
        ("Amina Ouédraogo", utc(11, 19, 8, 59, 2), utc(11, 19, 9, 31, 40), 2),
        ("Kwame Mensah", utc(11, 19, 8, 55), utc(11, 19, 9, 30), 3),
        ("Amina Ouédraogo", utc(11, 19, 9, 33, 25), utc(11, 19, 10, 1, 5), 5),
        # Still in the meeting when the report was downloaded: until its last time.
        ("Chidi Okeke", utc(11, 19, 9, 30), utc(11, 19, 10, 1, 5), 8),
    ]


def test_oldest_teams_format_refuses_a_leave_without_a_join():
    text = OLDEST_TEAMS + "Pedro Alves\tLeft\t11/19/2026, 10:40:00 AM\n"

    with pytest.raises(ReportError) as refused:
        parse_teams(text, time_zone=BRUSSELS)

    assert str(refused.value) == "Line 9: “Pedro Alves” leaves here without having joined."


# Any CSV with a mapping ------------------------------------------------------------------------


def test_a_mapped_csv_reads_joins_and_absentees():
    report = parse_report(
        read("generic_attendance.csv"), time_zone="Europe/Lisbon", mapping=GENERIC_MAPPING
    )

    assert report.platform == "csv"
    assert people(report) == [
        ("Amina Ouédraogo", 2),
        ("Kwame Mensah", 3),
        ("Kwame Mensah", 4),
        ("Pedro Alves", 6),
    ]
    assert report.joins[0].joined_at == utc(11, 26, 14, 0, 5)
    assert report.absentees == [Absentee("Fatou Diop", "fatou.diop@dakarsoap.example", 5)]


def test_a_mapped_csv_refuses_a_leave_before_the_join():
    with pytest.raises(ReportError) as refused:
        parse_report(
            read("generic_leave_before_join.csv"),
            time_zone="Europe/Lisbon",
            mapping=GENERIC_MAPPING,
        )

    assert str(refused.value) == (
        "Line 4: the leave time “2026-11-26 13:28:00” is before the join time "
        "“2026-11-26 14:28:00”."
    )


def test_a_mapped_column_missing_from_the_file_is_named():
    mapping = GENERIC_MAPPING | {"email": "Email"}

    with pytest.raises(ReportError) as refused:
        parse_report(read("generic_attendance.csv"), time_zone="Europe/Lisbon", mapping=mapping)

    assert str(refused.value) == "Line 1: the column “Email” is missing from the header row."


def test_a_mapped_csv_with_semicolons_and_minutes_instead_of_a_leave_time():
    text = (
        "Nom;Courriel;Début;Durée (min)\n"
        "Amina Ouédraogo;amina@sahelfoods.example;26.11.2026 14:00;70,5\n"
        "Kwame Mensah;kwame@ghanacocoa.example;26.11.2026 14:02;28\n"
    )
    mapping = {"name": "nom", "email": "courriel", "joined_at": "début", "minutes": "durée (min)"}

    report = parse_report(text.encode(), time_zone="Europe/Paris", mapping=mapping)

    amina = report.joins[0]
    assert (amina.joined_at, amina.left_at) == (utc(11, 26, 13, 0), utc(11, 26, 14, 10, 30))


def test_minutes_that_are_not_a_number_are_refused():
    text = "Name,Start,Minutes\nAmina,2026-11-26 14:00,about an hour\n"
    mapping = {"name": "Name", "joined_at": "Start", "minutes": "Minutes"}

    with pytest.raises(ReportError) as refused:
        parse_mapped_csv(text, mapping=mapping, time_zone="Europe/Paris")

    assert str(refused.value) == "Line 2: the number of minutes “about an hour” is not a number."


@pytest.mark.parametrize(
    "mapping",
    [
        {"name": "Name", "joined_at": "Start"},  # no end
        {"name": "Name", "joined_at": "Start", "left_at": "End", "minutes": "Minutes"},
        {"joined_at": "Start", "left_at": "End"},  # nobody
        {"name": "Name", "joined_at": "Start", "left_at": "End", "company": "Company"},
    ],
)
def test_a_mapping_that_cannot_work_is_a_programming_error(mapping):
    with pytest.raises(ValueError, match="mapping"):
        parse_mapped_csv("Name,Start,End\n", mapping=mapping, time_zone="UTC")


def test_an_unknown_csv_without_mapping_is_refused():
    with pytest.raises(ReportError) as refused:
        parse_report(read("generic_attendance.csv"), time_zone="UTC")

    assert refused.value.line == 1
    assert "name its columns" in refused.value.message


# Dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "date_order", "expected"),
    [
        ("Nov 12, 2026 09:58:31", "auto", utc(11, 12, 8, 58, 31)),
        ("November 12, 2026 9:58 AM", "auto", utc(11, 12, 8, 58)),
        ("12 Nov 2026 21:58", "auto", utc(11, 12, 20, 58)),
        ("11/12/2026 09:58:31 PM", "mdy", utc(11, 12, 20, 58, 31)),
        ("11/12/2026 09:58:31", "dmy", utc(12, 11, 8, 58, 31)),
        ("11/19/26, 9:58:31 AM", "auto", utc(11, 19, 8, 58, 31)),
        ("11/12/26, 12:05:00 AM", "mdy", utc(11, 11, 23, 5)),
        ("19.11.2026 09:58", "auto", utc(11, 19, 8, 58)),
        ("2026-11-12 09:58:31", "auto", utc(11, 12, 8, 58, 31)),
        ("2026-07-01 10:00:00", "auto", utc(7, 1, 8, 0)),  # summer time: UTC+2
        ("2026-10-25 02:30:00", "auto", utc(10, 25, 0, 30)),  # clocks go back: the first 02:30
        ("2026-11-12T09:58:31+03:00", "auto", utc(11, 12, 6, 58, 31)),  # its own offset wins
        ("2026-11-12T09:58:31Z", "auto", utc(11, 12, 9, 58, 31)),
    ],
)
def test_date_formats_of_the_platforms_and_locales(written, date_order, expected):
    assert one_time(written, date_order=date_order) == expected


@pytest.mark.parametrize(
    "written",
    [
        "31/02/2026 10:00",
        "Nov 31, 2026 10:00",
        "Nov 12, 2026 13:05 PM",
        "12/11/2026 25:00",
        "Smarch 12, 2026 10:00",
        "yesterday",
    ],
)
def test_what_is_not_a_date_is_refused(written):
    with pytest.raises(ReportError) as refused:
        one_time(written, date_order="dmy")

    assert str(refused.value) == f"Line 2: the join time “{written}” is not a date."


def test_a_time_that_the_clocks_skip_is_refused():
    with pytest.raises(ReportError) as refused:
        one_time("2026-03-29 02:30:00")

    assert str(refused.value) == (
        "Line 2: the time “2026-03-29 02:30:00” does not exist in Europe/Brussels: the clocks "
        "change that night. Is the time zone right?"
    )


# Reading the bytes -----------------------------------------------------------------------------


def test_text_that_is_not_utf8_is_refused_naming_the_line():
    data = b"Name,Joined,Left\nAmina,2026-11-26 14:00,2026-11-26 15:00\nP\xe9dro,,\n"

    with pytest.raises(ReportError) as refused:
        parse_report(
            data,
            time_zone="UTC",
            mapping={"name": "Name", "joined_at": "Joined", "left_at": "Left"},
        )

    assert str(refused.value) == "Line 3: the file is not text in UTF-8 or UTF-16."


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(ReportError) as refused:
        parse_report(data, time_zone="UTC")

    assert str(refused.value) == "Line 1: the file is empty."


def test_arguments_that_are_not_the_files_fault_are_value_errors():
    with pytest.raises(ValueError, match="time zone"):
        parse_report(read("zoom_webinar.csv"), time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="platform"):
        parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI, platform="webex")
    with pytest.raises(ValueError, match="date_order"):
        parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI, date_order="ymd")
    with pytest.raises(ValueError, match="mapping"):
        parse_report(read("generic_attendance.csv"), time_zone="UTC", platform="csv")


def test_a_report_error_is_a_value_error_with_its_line():
    error = ReportError(12, "the join time “31/02/2026 10:00” is not a date.")

    assert isinstance(error, ValueError)
    assert (error.line, error.message) == (12, "the join time “31/02/2026 10:00” is not a date.")
    assert str(error) == "Line 12: the join time “31/02/2026 10:00” is not a date."
    copied = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (copied.line, str(copied)) == (12, str(error))


# Minutes ---------------------------------------------------------------------------------------

NINE = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return NINE + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("intervals", "minutes"),
    [
        ([], 0),
        ([(at(0), at(20))], 20),
        ([(at(0), at(20)), (at(30), at(45))], 35),  # a rejoin after a gap
        ([(at(0), at(40)), (at(25), at(55))], 55),  # two devices overlapping
        ([(at(0), at(60)), (at(10), at(20))], 60),  # one stay inside another
        ([(at(30), at(45)), (at(0), at(20)), (at(15), at(35))], 45),  # in any order
        ([(at(0), at(20)), (at(20), at(30))], 30),  # touching
        ([(at(0), at(9.5))], 10),  # half a minute rounds up
        ([(at(0), at(9.49))], 9),
        ([(at(0), at(3.4)), (at(10), at(13.4)), (at(20), at(23.4))], 10),  # rounded once, in total
        ([(at(10), at(5))], 0),  # backwards counts nothing
    ],
)
def test_minutes_count_overlaps_once(intervals, minutes):
    assert minutes_attended(intervals) == minutes


# Matching --------------------------------------------------------------------------------------

CANDIDATES = [
    Candidate("amina", "Amina Ouedraogo", "amina.ouedraogo@sahelfoods.example"),
    Candidate("kwame", "Kwame Mensah", "kwame.mensah@ghanacocoa.example"),
    Candidate("hoa", "Nguyen Thi Hoa", "HOA.NGUYEN@mekongcraft.example"),
    Candidate("zoe", "Zoe  Muller", "z.muller@alpenholz.example"),
    Candidate("pedro", "Pedro Alves", "pedro@cafealves.example"),
    Candidate("chidi", "Chidi Okeke", "chidi.okeke@lagostextiles.example"),
    Candidate("fatou", "Fatou Diop", "fatou.diop@dakarsoap.example"),
    Candidate("maria-1", "Maria Silva", "maria.silva@portoexport.example"),
    Candidate("maria-2", "María Silva", "msilva@recifefruit.example"),
    Candidate("sara", "Sara Haddad", "s.haddad@exportcouncil.example"),  # a panelist
    Candidate("nadia", "Nadia Benali", "nadia@atlasoils.example"),  # not in the report
]


def summary(attendances: list[Attendance]) -> list[tuple]:
    return [(a.key, a.name, a.minutes, a.attended, a.joins, a.matched_by) for a in attendances]


@pytest.mark.parametrize(
    "name", ["zoom_webinar.csv", "zoom_webinar_us.csv", "zoom_webinar_dmy_bom_crlf.csv"]
)
def test_zoom_attendance_matched_to_registrations(name):
    report = parse_report(read(name), time_zone=NAIROBI)

    attendances = match_attendance(report, CANDIDATES)

    assert summary(attendances) == [
        ("amina", "Amina Ouédraogo", 93, True, 1, "email"),
        ("kwame", "Kwame Mensah", 47, True, 2, "email"),  # " Kwame.Mensah@GhanaCocoa.Example "
        ("hoa", "Thị Hoa Nguyễn", 55, True, 2, "email"),  # two devices: 40 + 30, overlap once
        ("zoe", "Zoë Müller", 70, True, 1, "name"),  # joined with a private email
        ("pedro", "Pedro Alves", 8, False, 1, "email"),  # under the threshold of 10
        ("chidi", "Chidi Okeke", 10, True, 1, "email"),  # 9 minutes 30 seconds
        (None, "Ahmed Hassan", 40, True, 1, ""),  # registered on Zoom only
        (None, "Maria Silva", 30, True, 1, ""),  # two registrations have her name
        ("fatou", "Fatou Diop", 0, False, 0, "email"),  # absent
        (None, "Li Wei", 0, False, 0, ""),
    ]
    assert attendances[1].email == "Kwame.Mensah@GhanaCocoa.Example"


def test_teams_attendance_matched_to_registrations():
    report = parse_report(read("teams_attendance.csv"), time_zone=BRUSSELS)

    assert summary(match_attendance(report, CANDIDATES)) == [
        ("amina", "Amina Ouédraogo", 60, True, 2, "email"),  # 32:38 + 27:40
        ("kwame", "Kwame Mensah", 58, True, 1, "email"),  # 57:30 rounds up
        ("hoa", "Thị Hoa Nguyễn", 45, True, 2, "email"),
        ("zoe", "Zoë Müller", 7, False, 1, "name"),  # a guest: no email in the report
        ("chidi", "Chidi Okeke", 91, True, 1, "email"),
    ]


def test_the_threshold_is_the_sessions_own():
    report = parse_report(read("zoom_webinar.csv"), time_zone=NAIROBI)

    lenient = {a.key: a.attended for a in match_attendance(report, CANDIDATES, threshold_minutes=8)}
    strict = {a.key: a.attended for a in match_attendance(report, CANDIDATES, threshold_minutes=50)}

    assert lenient["pedro"] is True
    assert strict["kwame"] is False
    assert strict["hoa"] is True


def join(name: str, email: str, start: float, end: float, line: int = 2) -> Join:
    return Join(name, email, at(start), at(end), line)


def test_a_candidate_matched_by_email_is_not_matched_again_by_name():
    report = ParsedReport(
        [
            join("Kwame Mensah", "kwame@ghanacocoa.example", 0, 30),
            join("Kwame Mensah", "kwame.home@mailbox.example", 40, 60, 3),
        ],
        [],
        "csv",
    )
    candidates = [Candidate(1, "Kwame Mensah", "Kwame@GhanaCocoa.example")]

    assert [(a.key, a.matched_by) for a in match_attendance(report, candidates)] == [
        (1, "email"),
        (None, ""),
    ]


def test_two_people_of_the_report_with_the_same_name_are_not_matched_by_name():
    report = ParsedReport(
        [
            join("Maria Silva", "maria@portoexport.example", 0, 30),
            join("Maria  SILVA", "msilva@recifefruit.example", 0, 30, 3),
        ],
        [],
        "csv",
    )
    candidates = [Candidate(1, "Maria Silva", "maria.silva@mailbox.example")]

    assert [a.key for a in match_attendance(report, candidates)] == [None, None]


def test_joins_without_email_are_grouped_by_name_ignoring_case_accents_and_spaces():
    report = ParsedReport(
        [join("Zoë  Müller", "", 0, 10), join("zoe muller ", "", 5, 20, 3)],
        [],
        "teams",
    )

    [attendance] = match_attendance(report, [Candidate("zoe", "ZOE MULLER", "z@alpenholz.example")])

    assert (attendance.key, attendance.minutes, attendance.joins) == ("zoe", 20, 2)
    assert attendance.matched_by == "name"


def test_an_absentee_who_also_joined_counts_once_with_the_joins():
    report = ParsedReport(
        [join("Fatou Diop", "fatou@dakarsoap.example", 0, 45)],
        [Absentee("Fatou Diop", "FATOU@dakarsoap.example", 9)],
        "csv",
    )

    attendances = match_attendance(report, [Candidate(7, "Fatou Diop", "fatou@dakarsoap.example")])

    assert summary(attendances) == [(7, "Fatou Diop", 45, True, 1, "email")]


def test_an_empty_report_matches_nobody():
    assert match_attendance(ParsedReport([], [], "zoom"), CANDIDATES) == []


def test_normalisation_for_matching():
    assert (
        comparable_email("  Kwame.Mensah@GhanaCocoa.Example ") == "kwame.mensah@ghanacocoa.example"
    )
    assert normalise_name("  Thị Hoa   NGUYỄN ") == "thi hoa nguyen"
    assert normalise_name("María José Núñez") == normalise_name("maria jose nunez")
