"""The ledger page: filters, search, masking, errors, query counts, exports with progress."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from closeloop.tickets import services
from closeloop.tickets.models import IdentityDisclosure
from closeloop.tickets.services import CustomerInput


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path):
        yield


@pytest.fixture
def tickets(centre: Any, register: Any) -> dict[str, str]:
    invoice = register(subject="虚开增值税专用发票", description="要求查处")
    other = register(subject="窗口排队时间长", kind="consultation", channel="web")
    secret = register(
        subject="员工收受礼品",
        confidential=True,
        customer=CustomerInput(name="举报人乙", phone="13911112222"),
    )
    for t in (invoice, secret):
        services.ticket_accept(centre.agent, t.number)
        services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return {"invoice": invoice.number, "other": other.number, "secret": secret.number}


def test_ledger_lists_what_the_viewer_may_see(
    centre: Any, tickets: dict[str, str], login: Any
) -> None:
    page = login(centre.supervisor).get("/ledger/")
    assert page.status_code == 200
    body = page.content.decode()
    assert all(n in body for n in tickets.values())
    assert "3 tickets" in body
    body = login(centre.liaison_b).get("/ledger/").content.decode()
    assert not any(n in body for n in tickets.values())


def test_ledger_needs_login(client: Any) -> None:
    page = client.get("/ledger/")
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_filters_and_chinese_search(centre: Any, tickets: dict[str, str], login: Any) -> None:
    client = login(centre.supervisor)
    for q in ("查处", "专用发票", "增值税"):  # two characters (icontains), three and more (index)
        body = client.get("/ledger/", {"q": q}).content.decode()
        assert tickets["invoice"] in body and tickets["other"] not in body
    body = client.get("/ledger/", {"kind": "consultation", "channel": "web"}).content.decode()
    assert tickets["other"] in body and tickets["invoice"] not in body
    body = client.get("/ledger/", {"department": "t-alpha", "state": "dispatched"}).content.decode()
    assert tickets["invoice"] in body and tickets["other"] not in body


def test_masked_identity_on_the_page_and_in_search(
    centre: Any, tickets: dict[str, str], login: Any
) -> None:
    client = login(centre.liaison_a)
    body = client.get("/ledger/").content.decode()
    assert tickets["secret"] in body and "举报人乙" not in body and "***" in body
    # In the page's main part: the top bar's bell may name the ticket (the liaison was told
    # of its dispatch), which says nothing about the search.
    for q in ("举报人乙", "1391111"):
        main = client.get("/ledger/", {"q": q}).content.decode().split('<main id="main">')[1]
        assert tickets["secret"] not in main
    assert not IdentityDisclosure.objects.exists()
    body = login(centre.agent).get("/ledger/", {"q": "举报人乙"}).content.decode()
    assert tickets["secret"] in body and "举报人乙" in body
    assert IdentityDisclosure.objects.filter(user=centre.agent, via="web:ledger").count() == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-10-05", "to": "2026-10-01"}, "to"),
        ({"handler": "nobody"}, "handler"),
        ({"reopened": "perhaps"}, "reopened"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(
    centre: Any, login: Any, params: dict[str, str], field: str
) -> None:
    page = login(centre.supervisor).get("/ledger/", params)
    assert page.status_code == 400
    form = page.context["form"]
    assert field in form.errors
    assert 'class="errorlist' in page.content.decode()


def test_pages_without_counting_everything(
    centre: Any, register: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        register(subject=f"工单 {i}")
    client = login(centre.supervisor)
    with django_assert_max_num_queries(20) as few:
        client.get("/ledger/", {"q": "工单"})
    for i in range(12):
        register(subject=f"更多工单 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/ledger/", {"q": "工单"})
    assert page.status_code == 200


def test_count_stops_at_the_cap(centre: Any, register: Any, login: Any, monkeypatch: Any) -> None:
    """Beyond the cap (1,000; 3 here) the page says "More than": a frequent word over a
    million tickets would otherwise be counted to the last match."""
    from closeloop.channels.web import ledger as page

    monkeypatch.setattr(page, "COUNT_CAP", 3)
    for i in range(4):
        register(subject=f"南湖区停车收费 {i}")
    register(subject="别的事")
    client = login(centre.supervisor)
    assert "More than 3 tickets" in client.get("/ledger/", {"q": "南湖区"}).content.decode()
    assert "More than 3 tickets" in client.get("/ledger/", {"q": "停车"}).content.decode()
    body = client.get("/ledger/", {"q": "别的"}).content.decode()
    assert "1 ticket" in body and "More than" not in body


def test_one_character_search_is_refused(centre: Any, login: Any) -> None:
    page = login(centre.supervisor).get("/ledger/", {"q": "税"})
    assert page.status_code == 400 and "q" in page.context["form"].errors


def test_the_queues_search_like_the_ledger(
    centre: Any, tickets: dict[str, str], login: Any
) -> None:
    """The queues' search box is the ledger's search: two characters, masked reporters."""
    client = login(centre.supervisor)
    body = client.get("/tickets/", {"view": "all", "q": "查处"}).content.decode()
    assert tickets["invoice"] in body and tickets["other"] not in body
    body = client.get("/tickets/", {"view": "all", "q": "举报人乙"}).content.decode()
    assert tickets["secret"] in body
    body = login(centre.liaison_a).get("/tickets/", {"view": "department", "q": "举报人乙"})
    # In the results: the top bar's bell may name the case (the liaison was told of it).
    assert tickets["secret"] not in body.content.decode().split('<main id="main">')[1]


def test_pager(centre: Any, register: Any, login: Any) -> None:
    from closeloop.channels.web import queues

    for i in range(queues.PAGE_SIZE + 1):
        register(subject=f"批量 {i}", customer=None)
    client = login(centre.supervisor)
    first = client.get("/ledger/").content.decode()
    assert 'rel="next"' in first
    second = client.get("/ledger/", {"page": "2"}).content.decode()
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_with_progress_and_download(
    centre: Any, tickets: dict[str, str], login: Any, fmt: str
) -> None:
    client = login(centre.liaison_a)
    # Huey runs tasks inline in tests: the job is done when the answer comes back.
    started = client.post(
        "/ledger/export/", {"format": fmt, "q": "员工"}, headers={"HX-Request": "true"}
    )
    assert started.status_code == 200
    body = started.content.decode()
    assert 'data-state="done"' in body and "hx-trigger" not in body
    job = started.context["job"]
    assert job["done"] == job["total"] == 1 and job["percent"] == 100
    download = client.get(f"/ledger/exports/{job['id']}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[1][0] == tickets["secret"]
        assert "***" in rows[1] and "举报人乙" not in content.decode("utf-8-sig")
    else:
        assert content[:2] == b"PK"
    # the file is its owner's alone
    other = login(centre.liaison_b)
    assert other.get(f"/ledger/exports/{job['id']}/").status_code == 404
    assert other.get(f"/ledger/exports/{job['id']}/download/").status_code == 404


def test_export_progress_while_running(centre: Any, tickets: dict[str, str], login: Any) -> None:
    """A job still running shows a progress bar that polls."""
    from closeloop.reports import exports

    client = login(centre.supervisor)
    job = "0" * 32
    (exports._jobs_dir() / job).mkdir(parents=True)
    exports._status_write(
        job,
        {"id": job, "user": centre.supervisor.pk, "format": "csv", "filters": {},
         "state": "running", "done": 2000, "total": 8000, "error": "", "created": 0, "file": ""},
    )  # fmt: skip
    page = client.get(f"/ledger/exports/{job}/", headers={"HX-Request": "true"})
    body = page.content.decode()
    assert 'value="25"' in body and 'hx-trigger="every 1s"' in body
    assert "2000 of 8000" in body
    # without htmx: a full page that reloads itself
    full = client.get(f"/ledger/exports/{job}/").content.decode()
    assert 'http-equiv="refresh"' in full


def test_export_refuses_bad_filters_and_formats(centre: Any, login: Any) -> None:
    client = login(centre.supervisor)
    bad = client.post("/ledger/export/", {"format": "pdf"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "format" in bad.content.decode()
    bad = client.post(
        "/ledger/export/", {"format": "csv", "kind": "gossip"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 400 and "kind" in bad.content.decode()


def test_export_without_javascript_redirects_to_the_job(
    centre: Any, tickets: dict[str, str], login: Any
) -> None:
    client = login(centre.supervisor)
    started = client.post("/ledger/export/", {"format": "csv"})
    assert started.status_code == 302
    page = client.get(started["Location"])
    assert page.status_code == 200 and "Download" in page.content.decode()


def test_nav_links_the_ledger(centre: Any, login: Any) -> None:
    assert 'href="/ledger/"' in login(centre.handler_a).get("/tickets/").content.decode()
