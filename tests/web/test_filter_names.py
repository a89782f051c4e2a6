"""One name per filter: the same filter, by its name, finds the same tickets through the API,
the ledger page, the queues and the CLI export; the names each used before still work, and a
bad value is answered under the name it was given."""

import csv
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from closeloop.cli import main
from closeloop.directory.models import Department
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput
from tests.conftest import Api, Centre
from tests.web.conftest import complaint

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path):
        yield


@pytest.fixture
def tickets(centre: Centre) -> dict[str, str]:
    agent = centre.agent
    east = Department.objects.create(code="t-alpha-east", name="甲部门东", parent=centre.dept_a)

    def new(**overrides: Any) -> str:
        return services.ticket_register(actor=agent, data=complaint(**overrides)).number

    def dispatch(number: str, department: str) -> None:
        services.ticket_accept(agent, number)
        services.ticket_dispatch(agent, number, department=department)

    n = {
        "january": new(channel="letter", received_at=datetime(2026, 1, 5, 10, tzinfo=TZ)),
        "jan_31": new(subject="月末来信", received_at=datetime(2026, 1, 31, 18, tzinfo=TZ)),
        "consult": new(kind="consultation", subject="申报期限咨询", customer=None),
        "crisis": new(subject="记者来电投诉", customer=CustomerInput(name="王记者", type="media")),
        "east": new(subject="东区窗口排队"),
    }
    dispatch(n["january"], centre.dept_a.code)
    dispatch(n["east"], east.code)
    Ticket.objects.filter(number=n["east"]).update(deadline_state="overdue")
    return n


def api_numbers(centre: Centre, params: dict[str, Any]) -> list[str]:
    response = Api(centre.supervisor).client.get("/api/v1/tickets", params)
    assert response.status_code == 200, response.json()
    return [t["number"] for t in response.json()["results"]]


def page_numbers(client: Any, url: str, params: dict[str, Any]) -> list[str]:
    page = client.get(url, params)
    assert page.status_code == 200, page.context["form"].errors
    rows = page.context["rows"]
    return [r["ticket"].number if "ticket" in r else r["number"] for r in rows]


def cli_numbers(tmp_path: Path, capsys: Any, options: list[str]) -> list[str]:
    out = tmp_path / "ledger.csv"
    code = main(["export", "ledger", *options, "--format", "csv", "-o", str(out)])
    _out, err = capsys.readouterr()
    assert code == 0, err
    with out.open(encoding="utf-8-sig") as handle:
        return [row[0] for row in list(csv.reader(handle))[1:]]


# (filters by their names, the CLI's options, the tickets found)
SAME_EVERYWHERE = [
    ({"status": "dispatched"}, ["--status", "dispatched"], {"january", "east"}),
    ({"kind": "consultation"}, ["--kind", "consultation"], {"consult"}),
    ({"channel": "letter"}, ["--channel", "letter"], {"january"}),
    ({"department": "t-alpha"}, ["--department", "t-alpha"], {"january"}),
    ({"department_tree": "t-alpha"}, ["--department-tree", "t-alpha"], {"january", "east"}),
    ({"crisis": "true"}, ["--crisis", "true"], {"crisis"}),
    ({"deadline_state": "overdue"}, ["--deadline-state", "overdue"], {"east"}),
    ({"q": "申报"}, ["-q", "申报"], {"consult"}),
    # A day given to `received_to` is included, wherever it is given.
    (
        {"received_from": "2026-01-01", "received_to": "2026-01-31"},
        ["--received-from", "2026-01-01", "--received-to", "2026-01-31"],
        {"january", "jan_31"},
    ),
]


@pytest.mark.parametrize(("filters", "options", "expected"), SAME_EVERYWHERE)
def test_a_filter_finds_the_same_tickets_through_every_door(
    centre: Centre,
    tickets: dict[str, str],
    login: Any,
    tmp_path: Path,
    capsys: Any,
    filters: dict[str, str],
    options: list[str],
    expected: set[str],
) -> None:
    wanted = {tickets[k] for k in expected}
    assert set(api_numbers(centre, filters)) == wanted
    assert set(page_numbers(login(centre.supervisor), "/ledger/", filters)) == wanted
    assert set(cli_numbers(tmp_path, capsys, [*options, "--user", "super1"])) == wanted


def test_the_queues_take_the_same_names(
    centre: Centre, tickets: dict[str, str], login: Any
) -> None:
    client = login(centre.supervisor)
    for filters, expected in (
        ({"status": "dispatched"}, {"january", "east"}),
        ({"deadline_state": "overdue"}, {"east"}),
        ({"crisis": "true"}, {"crisis"}),
        ({"q": "申报"}, {"consult"}),
    ):
        found = page_numbers(client, "/tickets/", {"view": "all", **filters})
        assert set(found) == {tickets[k] for k in expected}, filters
        assert set(api_numbers(centre, filters)) == set(found), filters


def test_the_same_order_by_the_same_name(
    centre: Centre, tickets: dict[str, str], login: Any, tmp_path: Path, capsys: Any
) -> None:
    oldest_first = {"ordering": "received_at"}
    through_api = api_numbers(centre, oldest_first)
    assert through_api[:2] == [tickets["january"], tickets["jan_31"]]
    assert page_numbers(login(centre.supervisor), "/ledger/", oldest_first) == through_api
    options = ["--ordering", "received_at", "--user", "super1"]
    assert cli_numbers(tmp_path, capsys, options) == through_api


# (the old name and its value, the same by the new name)
OLD_NAMES = [
    ({"from": "2026-01-01", "to": "2026-01-31"}, {"received_from": "2026-01-01", "received_to": "2026-01-31"}),
    ({"state": "dispatched"}, {"status": "dispatched"}),
    ({"state": "open"}, {"status": "open"}),
    ({"deadline": "overdue"}, {"deadline_state": "overdue"}),
    ({"sort": "old"}, {"ordering": "received_at"}),
    ({"crisis": "yes"}, {"crisis": "true"}),
    ({"crisis": "no"}, {"crisis": "false"}),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new"), OLD_NAMES)
def test_old_names_still_work(
    centre: Centre, tickets: dict[str, str], login: Any, old: dict[str, str], new: dict[str, str]
) -> None:
    client = login(centre.supervisor)
    by_new = page_numbers(client, "/ledger/", new)
    assert by_new  # each finds something, so the comparison says something
    assert page_numbers(client, "/ledger/", old) == by_new
    assert api_numbers(centre, old) == api_numbers(centre, new) == by_new


def test_old_options_of_the_command_still_work(
    centre: Centre, tickets: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    old = ["--from", "2026-01-01", "--to", "2026-01-31", "--state", "dispatched"]
    new = ["--received-from", "2026-01-01", "--received-to", "2026-01-31", "--status", "dispatched"]
    found = cli_numbers(tmp_path, capsys, [*old, "--user", "super1"])
    assert found == cli_numbers(tmp_path, capsys, [*new, "--user", "super1"])
    assert found == [tickets["january"]]


def test_the_queues_old_sort_still_works(
    centre: Centre, tickets: dict[str, str], login: Any
) -> None:
    client = login(centre.supervisor)
    for old, new in (("due", "next_due_at,-received_at"), ("new", "-received_at")):
        by_old = page_numbers(client, "/tickets/", {"view": "all", "sort": old})
        assert by_old == page_numbers(client, "/tickets/", {"view": "all", "ordering": new})


def test_a_bad_value_is_named_as_it_was_given(centre: Centre, login: Any) -> None:
    api = Api(centre.supervisor).client
    for params, name in (
        ({"from": "yesterday"}, "from"),
        ({"received_from": "yesterday"}, "received_from"),
        ({"state": "lost"}, "state"),
        ({"sort": "sideways"}, "sort"),
    ):
        response = api.get("/api/v1/tickets", params)
        assert response.status_code == 400
        assert list(response.json()["error"]["details"]) == [name]
        page = login(centre.supervisor).get("/ledger/", params)
        assert page.status_code == 400 and name in page.context["form"].errors


def test_the_old_names_are_deprecated_in_the_schema(client: Any) -> None:
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/tickets"]["get"]["parameters"]}
    for old in ("from", "to", "state", "deadline", "sort"):
        assert parameters[old]["deprecated"] is True, old
    for new in ("received_from", "received_to", "status", "deadline_state", "ordering"):
        assert not parameters[new].get("deprecated"), new
    assert "department_tree" in parameters["department"]["description"]
