"""Report pages: who may open them, the indicators of a period, the monthly report with its
SVG charts, the supervisor's typical cases and corrective actions, publishing, downloads, bad
months, no identity anywhere, and a fixed number of queries."""

import io
import re
from datetime import datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from closeloop.notifications.models import Notification
from closeloop.reports.models import MonthlyReport
from closeloop.reports.monthly import Month
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput
from tests.web.conftest import complaint

CONFIDENTIAL_NAME, CONFIDENTIAL_PHONE = "保密投诉人丙", "13700001111"


def last_month() -> Month:
    return Month.of(timezone.localdate()).shift(-1)


def on(day: int, month: Month | None = None) -> datetime:
    m = month or last_month()
    return datetime.combine(m.first_day.replace(day=day), time(10), tzinfo=timezone.get_current_timezone())  # fmt: skip


@pytest.fixture
def month_of_tickets(centre: Any) -> dict[str, str]:
    """Last month: a confidential crisis complaint with department A, a plain one, another
    crisis one; and one this month."""
    numbers = {}
    t = services.ticket_register(
        actor=centre.agent,
        data=complaint(
            subject="窗口人员推诿",
            description="再推诿就要找媒体曝光",
            confidential=True,
            customer=CustomerInput(name=CONFIDENTIAL_NAME, phone=CONFIDENTIAL_PHONE),
        ),
        now=on(5),
    )
    numbers["confidential"] = t.number
    services.ticket_accept(centre.agent, t.number, now=on(5))
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code, now=on(5))
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username, now=on(5))
    numbers["open"] = services.ticket_register(
        actor=centre.agent, data=complaint(subject="发票开具不及时"), now=on(8)
    ).number
    numbers["crisis"] = services.ticket_register(
        actor=centre.agent,
        data=complaint(subject="扬言找媒体曝光", description="要找媒体曝光"),
        now=on(9),
    ).number
    services.ticket_register(actor=centre.agent, data=complaint(subject="本月的投诉"))
    return numbers


def page_text(response: Any) -> str:
    return re.sub(r"<[^>]+>", " ", response.content.decode())


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("supervisor", True),
        ("leader", True),
        ("inspector", True),
        ("admin", True),
        ("agent", False),
        ("liaison_a", False),
        ("handler_a", False),
    ],
)
def test_who_may_open_reports(centre: Any, login: Any, who: str, allowed: bool) -> None:
    client = login(getattr(centre, who))
    month = str(last_month())
    for url in ("/reports/", "/reports/monthly/", f"/reports/monthly/{month}/",
                f"/reports/monthly/{month}/report.pdf", f"/reports/monthly/{month}/report.xlsx"):  # fmt: skip
        assert client.get(url).status_code == (200 if allowed else 403), url
    home = client.get("/dashboard/" if allowed else "/tickets/").content.decode()
    assert ('href="/reports/"' in home) is allowed


def test_anonymous_goes_to_login(db: Any) -> None:
    from django.test import Client

    response = Client().get("/reports/monthly/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --------------------------------------------------------------------------- indicators page


def test_indicators_page(centre: Any, login: Any, month_of_tickets: dict[str, str]) -> None:
    client = login(centre.supervisor)
    m = last_month()
    response = client.get(
        "/reports/", {"start": m.first_day, "end": m.last_day, "group_by": "department"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Charts in the page's main part (the top bar's bell is an icon).
    assert html.split('<main id="main">')[1].count("<svg") == 2  # volumes and rates per department
    text = page_text(response)
    assert "甲部门" in text and "not dispatched" in text
    assert re.search(
        r'data-figure="received">\s*<td title="[^"]+">Received</td><td class="num"><b>3</b>', html
    )
    assert CONFIDENTIAL_NAME not in html and CONFIDENTIAL_PHONE not in html
    # By kind: the kinds' names, not their codes.
    by_kind = client.get("/reports/", {"start": m.first_day, "end": m.last_day, "group_by": "kind"})
    assert ">complaint<" in by_kind.content.decode()
    # Without parameters: last month, by department.
    assert client.get("/reports/").status_code == 200


def test_the_reports_say_how_each_figure_is_counted_on_the_page(
    centre: Any, login: Any, month_of_tickets: dict[str, str]
) -> None:
    """Readers are told what a figure counts where they read it, never sent to a file."""
    client = login(centre.supervisor)
    m = last_month()
    for path in ("/reports/", f"/reports/monthly/{m}/"):
        html = client.get(path, {"start": m.first_day, "end": m.last_day}).content.decode()
        assert "docs/" not in html and ".md" not in html, path
        figures = re.findall(r'<tr data-figure="([^"]+)"><td title="([^"]*)"', html)
        assert figures and all(title for _, title in figures), (path, figures)
        assert 'data-testid="definitions"' in html
    zh = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "办结数 ÷ 受理数" in zh


def test_indicators_page_refuses_a_bad_period(centre: Any, login: Any) -> None:
    client = login(centre.supervisor)
    response = client.get("/reports/", {"start": "2026-10-31", "end": "2026-10-01"})
    assert response.status_code == 400
    assert "must not be before the start" in response.content.decode()
    response = client.get("/reports/", {"start": "1066-10-14", "end": "2026-10-01"})
    assert response.status_code == 400 and "must be between" in response.content.decode()
    assert client.get("/reports/", {"start": "soon", "end": "later"}).status_code == 400


# --------------------------------------------------------------------------- monthly page


def test_monthly_page_shows_the_report(
    centre: Any, login: Any, month_of_tickets: dict[str, str]
) -> None:
    m = str(last_month())
    response = login(centre.leader).get(f"/reports/monthly/{m}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.split('<main id="main">')[1].count("<svg") == 3  # volumes, rates, ranking
    assert "<script" not in html.split('<main id="main">')[1]  # charts need no script
    assert re.search(
        r'data-figure="received">\s*<td title="[^"]+">Received</td><td class="num"><b>3</b>', html
    )
    text = page_text(response)
    for expected in ("Department ranking", "甲部门", "Overdue cases", "Crisis cases",
                     "Typical cases", "Corrective actions", "not generated yet"):  # fmt: skip
        assert expected in text
    assert month_of_tickets["confidential"] in text  # listed by number and subject…
    assert CONFIDENTIAL_NAME not in html and CONFIDENTIAL_PHONE not in html  # …never the person
    assert 'name="cases-0-number"' not in html  # leaders read; supervisors prepare


def test_supervisor_prepares_and_publishes(
    centre: Any, login: Any, month_of_tickets: dict[str, str]
) -> None:
    m = str(last_month())
    url = f"/reports/monthly/{m}/"
    client = login(centre.supervisor)
    assert 'name="cases-0-number"' in client.get(url).content.decode()
    form = {
        "cases-TOTAL_FORMS": "3",
        "cases-INITIAL_FORMS": "0",
        "cases-MIN_NUM_FORMS": "0",
        "cases-MAX_NUM_FORMS": "20",
        "cases-0-number": month_of_tickets["confidential"],
        "cases-0-comment": "推诿扯皮的典型,已约谈",
        "cases-1-number": "",
        "cases-1-comment": "",
        "cases-2-number": "",
        "cases-2-comment": "",
        "corrective_actions": "一、首问负责制落实到人。\n二、每周通报推诿问题。",
        "action": "save",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    report = MonthlyReport.objects.get(month=m)
    assert report.state == "draft" and report.generated_by == centre.supervisor
    page = client.get(url).content.decode()
    assert "推诿扯皮的典型,已约谈" in page and "首问负责制落实到人" in page
    assert CONFIDENTIAL_NAME not in page

    # An unknown number: the form comes back with what was typed and a clear message.
    bad = client.post(url, {**form, "cases-1-number": "20000101-999999"})
    assert bad.status_code == 404
    assert "20000101-999999" in bad.content.decode()

    response = client.post(url, {**form, "action": "publish"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "published" and report.published_by == centre.supervisor
    assert Notification.objects.filter(recipient=centre.leader, kind="monthly_report").exists()
    page = client.get(url).content.decode()
    assert 'name="cases-0-number"' not in page and "published" in page
    again = client.post(url, {**form, "action": "save"})
    assert again.status_code == 409 and "published" in again.content.decode()


def test_only_supervisors_change_the_report(
    centre: Any, login: Any, month_of_tickets: dict[str, str]
) -> None:
    m = str(last_month())
    response = login(centre.leader).post(f"/reports/monthly/{m}/", {"action": "refresh"})
    assert response.status_code == 403
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "invalid month &#x27;2026-13&#x27;: expected YYYY-MM, e.g. 2026-10"),
        ("2026-1", "expected YYYY-MM"),
        ("october", "expected YYYY-MM"),
        ("2300-01", "month must be between"),
    ],
)
def test_bad_month(centre: Any, login: Any, month: str, message: str) -> None:
    client = login(centre.supervisor)
    for url in (f"/reports/monthly/{month}/", f"/reports/monthly/{month}/report.pdf",
                f"/reports/monthly/?month={month}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 400, url
        assert message in response.content.decode(), url


def test_future_and_running_months(centre: Any, login: Any) -> None:
    client = login(centre.supervisor)
    this = Month.of(timezone.localdate())
    future = client.get(f"/reports/monthly/{this.shift(2)}/")
    assert future.status_code == 400 and "has not begun yet" in future.content.decode()
    running = client.get(f"/reports/monthly/{this}/")
    assert running.status_code == 200
    html = running.content.decode()
    assert "figures so far" in html and 'name="cases-0-number"' not in html
    refused = client.post(f"/reports/monthly/{this}/", {"action": "refresh"})
    assert refused.status_code == 400 and "is not over yet" in refused.content.decode()


def test_downloads(centre: Any, login: Any, month_of_tickets: dict[str, str]) -> None:
    m = str(last_month())
    client = login(centre.inspector)
    pdf = client.get(f"/reports/monthly/{m}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="monthly-report-{m}.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    xlsx = client.get(f"/reports/monthly/{m}/report.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == f'attachment; filename="monthly-report-{m}.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = " ".join(
        str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row if v
    )
    assert "窗口人员推诿" in cells
    assert CONFIDENTIAL_NAME not in cells and CONFIDENTIAL_PHONE not in cells


def test_index_lists_months(centre: Any, login: Any, month_of_tickets: dict[str, str]) -> None:
    client = login(centre.supervisor)
    m = str(last_month())
    html = client.get("/reports/monthly/").content.decode()
    assert f'href="/reports/monthly/{m}/"' in html and "not generated yet" in html
    assert (
        client.get("/reports/monthly/", {"month": m}).headers["Location"]
        == f"/reports/monthly/{m}/"
    )


# --------------------------------------------------------------------------- queries


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_tickets(centre: Any, n: int) -> None:
    for i in range(n):
        t = services.ticket_register(
            actor=centre.agent, data=complaint(subject=f"投诉 {i}"), now=on(10 + i % 10)
        )
        services.ticket_accept(centre.agent, t.number, now=on(10 + i % 10))
        department = centre.dept_a if i % 2 else centre.dept_b
        services.ticket_dispatch(centre.agent, t.number, department=department.code, now=on(11))


def test_page_queries_do_not_grow_with_tickets(
    centre: Any, login: Any, month_of_tickets: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    m = last_month()
    client = login(centre.supervisor)
    live = f"/reports/monthly/{m}/"
    period = f"/reports/?start={m.first_day}&end={m.last_day}&group_by=department"
    before = {url: _count(client, url) for url in (live, period)}
    _more_tickets(centre, 8)
    assert {url: _count(client, url) for url in (live, period)} == before
    # Computed now: a fixed set of aggregates (13 months of figures and the case lists).
    with django_assert_max_num_queries(60):
        client.get(live)
    with django_assert_max_num_queries(20):
        client.get(period)
    # Stored: the page reads the saved figures.
    from closeloop.reports import monthly

    monthly.monthly_report_generate(m, user=centre.supervisor, now=timezone.now())
    with django_assert_max_num_queries(12):
        assert client.get(live).status_code == 200


def test_the_reports_pages_words_in_chinese_are_their_own(centre: Any, login: Any) -> None:
    """The period's "From" once read 原部门 (a transfer's "from") and the monthly reports'
    "Open" button 在办 (open cases): the same English word, another meaning."""
    client = login(centre.supervisor)
    page = client.get("/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "起始日期" in page and "截止日期" in page
    assert "原部门" not in page
    # The period opens filled in, in the only format a date input takes.
    assert re.search(r'name="start" value="\d{4}-\d{2}-\d{2}"', page), "the period is blank"
    index = client.get("/reports/monthly/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<button type="submit">打开</button>' in index
