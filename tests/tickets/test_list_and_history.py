"""The ticket list: filters, search, pagination, and a caller's history."""

from typing import Any

import pytest

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
    assert page["count"] == 5 and page["count_capped"] is False
    assert len(page["results"]) == 2
    assert page["next"] and page["previous"]
    last = api(centre.agent).get("tickets", page_size=2, page=3).json()
    assert len(last["results"]) == 1 and last["next"] is None and last["count"] == 5
    for bad in ("99", "0", "-1", "last", "abc"):
        response = api(centre.agent).get("tickets", page=bad)
        assert response.status_code == 404, bad
        assert response.json()["error"]["code"] == "not_found"


def test_count_is_capped(api: Any, centre: Centre, monkeypatch: Any) -> None:
    """Beyond the cap (1,000; 3 here) the count stops: `count_capped` says there are more."""
    from closeloop.channels.api.tickets import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    numbers_made = [make(api, centre) for _ in range(5)]
    agent = api(centre.agent)
    first = agent.get("tickets", page_size=2).json()
    assert (first["count"], first["count_capped"]) == (3, True)
    assert first["next"] and first["previous"] is None
    deep = agent.get("tickets", page_size=2, page=2).json()
    assert (deep["count"], deep["count_capped"]) == (3, True)  # 4 seen, more follow
    last = agent.get("tickets", page_size=2, page=3).json()
    assert (last["count"], last["count_capped"]) == (5, False)  # the last page: exact
    # following `next` reads every ticket once
    seen: list[str] = []
    url: str | None = "/api/v1/tickets?page_size=2"
    while url:
        page = agent.client.get(url).json()
        seen += [t["number"] for t in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(numbers_made)
    few = agent.get("tickets", q="13800138000", page_size=2).json()
    assert (few["count"], few["count_capped"]) == (3, True)
    one = agent.get("tickets", q=numbers_made[0]).json()
    assert (one["count"], one["count_capped"]) == (1, False)


def test_search_is_the_ledgers(api: Any, centre: Centre) -> None:
    """`q`: every word, in the number, subject, description, reply, notes and progress
    reports, or the customer's name and phone; Chinese substrings of two characters too."""
    agent = api(centre.agent)
    first = make(api, centre, subject="增值税专用发票开具", customer={"name": "欧阳宏达"})
    second = make(api, centre, description="南湖区青石巷停车场收费不透明", customer=None)
    assert agent.act(second, "note", text="已联系物业核实").status_code == 200
    assert numbers(agent.get("tickets", q="专用发票")) == {first}
    assert numbers(agent.get("tickets", q="发票")) == {first}
    assert numbers(agent.get("tickets", q="宏达")) == {first}  # customer, two characters
    assert numbers(agent.get("tickets", q="青石巷")) == {second}
    assert numbers(agent.get("tickets", q="物业核实")) == {second}  # a note
    assert numbers(agent.get("tickets", q="物业")) == {second}
    assert numbers(agent.get("tickets", q="南湖区 停车")) == {second}  # every word
    assert numbers(agent.get("tickets", q="南湖区 宏达")) == set()
    assert numbers(agent.get("tickets", q="  ")) == {first, second}


@pytest.mark.parametrize(
    "q",
    ["税", "a b", "一二 三四 五六 七八 九十 十一", "长" * 101],
)
def test_bad_search_is_refused(api: Any, centre: Centre, q: str) -> None:
    response = api(centre.agent).get("tickets", q=q)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "q" in error["details"]


def test_list_schema_documents_the_capped_count(client: Any) -> None:
    document = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listing = document["paths"]["/api/v1/tickets"]["get"]
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"count", "count_capped", "next", "previous", "results"} <= set(page["properties"])
    assert "1,000" in page["properties"]["count_capped"]["description"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert "at most 5" in params["q"]["description"]


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
