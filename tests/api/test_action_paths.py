"""The return visit answers at `return-visit` and an extension is decided at `decide-extension`,
the glossary's names; the old paths still answer, marked deprecated in the schema. Events keep
the codes they were always stored under."""

from typing import Any

from tests.conftest import COMPLAINT, Centre


def ok(response: Any) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def _resolved(api: Any, centre: Centre) -> str:
    response = api(centre.agent).post("tickets", COMPLAINT)
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    ok(api(centre.agent).act(number, "accept"))
    ok(api(centre.agent).act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    ok(api(centre.handler_a).act(number, "resolve", reply="已办结", validity="valid"))
    return number


def test_the_return_visit_at_both_paths(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    number = _resolved(api, centre)
    t = ok(agent.act(number, "return-visit", satisfaction="dissatisfied", comment="仍不满意"))
    assert t["status"] == "in_progress"
    ok(api(centre.handler_a).act(number, "resolve", reply="再次处理", validity="valid"))
    t = ok(agent.act(number, "visit", satisfaction="satisfied"))
    assert t["status"] == "closed"
    visits = [e for e in t["events"] if e["action"] == "visit"]
    assert [e["payload"]["satisfaction"] for e in visits] == ["dissatisfied", "satisfied"]
    # Refused alike at either path, naming the stored code.
    for path in ("return-visit", "visit"):
        refused = agent.act(number, path, satisfaction="satisfied")
        assert refused.status_code == 409
        assert refused.json()["error"]["details"]["action"] == "visit"


def test_an_extension_is_decided_at_both_paths(api: Any, centre: Centre) -> None:
    response = api(centre.agent).post("tickets", COMPLAINT)
    number = response.json()["number"]
    ok(api(centre.agent).act(number, "accept"))
    ok(api(centre.agent).act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    handler, supervisor = api(centre.handler_a), api(centre.supervisor)
    ok(handler.act(number, "extend", until="2099-02-01T17:00:00+08:00", reason="需要核实"))
    t = ok(supervisor.act(number, "decide-extension", approved=False, comment="不同意"))
    assert t["events"][-1]["action"] == "approve_extension"
    assert t["events"][-1]["payload"]["approved"] is False
    ok(handler.act(number, "extend", until="2099-02-01T17:00:00+08:00", reason="再次申请"))
    t = ok(supervisor.act(number, "approve-extension", comment="同意"))
    assert t["events"][-1]["payload"]["approved"] is True
    for path in ("decide-extension", "approve-extension"):
        nothing = supervisor.act(number, path)
        assert nothing.status_code == 409
        assert nothing.json()["error"]["details"]["action"] == "approve_extension"


def test_the_old_paths_are_deprecated_in_the_schema(client: Any) -> None:
    paths = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    for new, old in (("return-visit", "visit"), ("decide-extension", "approve-extension")):
        current = paths[f"/api/v1/tickets/{{number}}/{new}"]["post"]
        deprecated = paths[f"/api/v1/tickets/{{number}}/{old}"]["post"]
        assert not current.get("deprecated")
        assert deprecated["deprecated"] is True
        assert deprecated["summary"] == current["summary"]
        assert deprecated["operationId"] == f"tickets_{old.replace('-', '_')}"
        assert f"`{new}`" in deprecated["description"]
