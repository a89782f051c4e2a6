"""The ticket list: filters, search, pagination, and a caller's history."""

from typing import Any

from tests.conftest import COMPLAINT, Centre


def make(api: Any, centre: Centre, **overrides: Any) -> str:
    response = api(centre.agent).post("tickets", {**COMPLAINT, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()["number"]


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.json()
    return {t["number"] for t in response.json()["results"]}


def test_filters(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    complaint = make(api, centre)
    consultation = make(api, centre, kind="consultation", subject="申报期限", customer=None)
    crisis = make(api, centre, subject="记者来电投诉", customer={"name": "王记者", "type": "media"})
    letter = make(api, centre, channel="letter", received_at="2026-01-05T10:00:00+08:00")
    agent.act(complaint, "accept")
    agent.act(complaint, "dispatch", department="t-alpha")

    assert numbers(agent.get("tickets", kind="consultation")) == {consultation}
    assert numbers(agent.get("tickets", status="dispatched")) == {complaint}
    assert numbers(agent.get("tickets", department="t-alpha")) == {complaint}
    assert numbers(agent.get("tickets", department="no-such-department")) == set()
    assert numbers(agent.get("tickets", crisis="true")) == {crisis}
    assert crisis not in numbers(agent.get("tickets", crisis="false"))
    assert numbers(agent.get("tickets", received_to="2026-02-01T00:00:00+08:00")) == {letter}
    both = agent.client.get("/api/v1/tickets?status=registered&status=dispatched")
    assert numbers(both) == {complaint, consultation, crisis, letter}
    assert numbers(agent.get("tickets", q="申报")) == {consultation}
    assert numbers(agent.get("tickets", q=complaint)) == {complaint}
    assert numbers(agent.get("tickets", q="13800138000")) == {complaint, letter}


def test_pagination(api: Any, centre: Centre) -> None:
    for _ in range(5):
        make(api, centre)
    page = api(centre.agent).get("tickets", page_size=2, page=2).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"] and page["previous"]
    assert api(centre.agent).get("tickets", page=99).status_code == 404


def test_newest_first(api: Any, centre: Centre) -> None:
    old = make(api, centre, channel="letter", received_at="2026-01-05T10:00:00+08:00")
    new = make(api, centre)
    listed = [t["number"] for t in api(centre.agent).get("tickets").json()["results"]]
    assert listed == [new, old]


def test_caller_history(api: Any, centre: Centre) -> None:
    first = make(api, centre)
    second = make(api, centre, subject="再次投诉")
    make(api, centre, customer={"name": "别人", "phone": "13700000000"})
    history = api(centre.agent).get("customers", phone="13800138000").json()
    assert [t["number"] for t in history["results"]] == [second, first]
    assert api(centre.agent).get("customers").status_code == 400
    assert api(centre.agent).get("customers", phone="abc").status_code == 400


def test_reference_endpoints(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    departments = {d["code"]: d for d in agent.get("departments").json()}
    assert departments["t-alpha"]["name"] == "甲部门"
    categories = agent.get("categories").json()
    assert categories and {"code", "name", "parent", "department"} <= set(categories[0])
    pack = agent.get("pack").json()
    assert pack["name"] == "tax-service-outsourcing"
    assert {"kinds", "urgency", "severity_bands", "time_limits"} <= set(pack)
    assert "demo" not in pack  # demo passwords are never served
