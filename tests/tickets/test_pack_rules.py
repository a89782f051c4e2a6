"""Each seed's rules replayed through the real ticket services and API, with the pack's own
departments and demo people (the packs' own tests check classification alone)."""

from decimal import Decimal
from typing import Any

import pytest

from closeloop.directory.models import Department, User
from closeloop.policy.services import pack_demo_people, pack_load
from closeloop.tickets.models import Ticket
from tests.conftest import Api, person


@pytest.fixture
def demo(db: Any, request: Any) -> dict[str, User]:
    pack_load(request.param)
    from closeloop.policy.services import pack_active

    return {
        p.username: person(
            p.username,
            *p.roles,
            department=Department.objects.get(code=p.department) if p.department else None,
        )
        for p in pack_demo_people(pack_active())
    }


def as_(demo: dict[str, User], username: str) -> Api:
    return Api(demo[username])


def ok(response: Any, status: int = 200) -> dict:
    assert response.status_code == status, response.json()
    return response.json()


@pytest.mark.parametrize("demo", ["tax-hotline-12366"], indirect=True)
def test_12366_integrity_report_is_declined_with_the_referral(demo: dict[str, User]) -> None:
    ticket = ok(
        as_(demo, "agent").post(
            "tickets",
            {"kind": "report", "channel": "phone", "subject": "举报某税务干部吃拿卡要"},
        ),
        201,
    )
    assert ticket["status"] == "declined"
    assert "纪检监察" in ticket["referral"]
    assert [e["action"] for e in ticket["events"]] == ["register", "decline"]


@pytest.mark.parametrize("demo", ["tax-hotline-12366"], indirect=True)
def test_12366_tax_report_goes_to_inspection_with_the_reporter_hidden(
    demo: dict[str, User],
) -> None:
    agent = as_(demo, "agent")
    body = {
        "kind": "report",
        "channel": "phone",
        "subject": "举报某公司虚开发票",
        "customer": {"name": "匿名人士甲", "phone": "13600000000"},
    }
    number = ok(agent.post("tickets", body), 201)["number"]
    ok(agent.act(number, "accept"))
    t = ok(agent.act(number, "dispatch"))  # routed by the pack: no department given
    assert t["department"] == "inspection"
    inspection = next(
        u for u in demo.values() if u.department and u.department.code == "inspection"
    )
    seen = ok(Api(inspection).get(f"tickets/{number}"))
    assert seen["customer"]["masked"] is True
    assert "13600000000" not in str(seen)


@pytest.mark.parametrize("demo", ["tax-hotline-12366"], indirect=True)
def test_12366_service_complaint_is_taken_by_the_agent_directly(demo: dict[str, User]) -> None:
    agent = as_(demo, "agent")
    body = {"kind": "complaint", "channel": "phone", "subject": "座席态度不好"}
    t = ok(agent.post("tickets", body), 201)
    assert t["status"] == "accepted"
    assert t["events"][-1]["payload"] == {"automatic": True}
    refused = agent.act(t["number"], "dispatch", department="collection")
    assert refused.status_code == 400
    assert "centre handles" in refused.json()["error"]["message"]
    assert ok(agent.act(t["number"], "answer", reply="已向您致歉并整改。"))["status"] == "resolved"


@pytest.mark.parametrize("demo", ["tax-service-outsourcing"], indirect=True)
@pytest.mark.parametrize(
    ("loss", "severity"),
    [("0", "one_star"), ("200", "one_star"), ("200.01", "two_star"), ("999", "two_star"),
     ("1000", "two_star"), ("4999.99", "two_star"), ("5000", "three_star")],
)  # fmt: skip
def test_outsourcing_severity_by_loss(demo: dict[str, User], loss: str, severity: str) -> None:
    body = {"kind": "complaint", "channel": "phone", "subject": "多收费用", "economic_loss": loss}
    t = ok(as_(demo, "agent").post("tickets", body), 201)
    assert t["severity"] == severity
    assert Decimal(t["economic_loss"]) == Decimal(loss)


@pytest.mark.parametrize("demo", ["tax-service-outsourcing"], indirect=True)
def test_outsourcing_on_site_and_crisis_complaints_are_urgent(demo: dict[str, User]) -> None:
    agent = as_(demo, "agent")
    on_site = ok(
        agent.post("tickets", {"kind": "complaint", "channel": "on_site", "subject": "大厅纠纷"}),
        201,
    )
    assert (on_site["urgency"], on_site["on_site"], on_site["crisis"]) == ("urgent", True, False)
    media = ok(
        agent.post(
            "tickets",
            {
                "kind": "complaint",
                "channel": "phone",
                "subject": "等候时间过长",
                "customer": {"name": "某报记者", "type": "media"},
            },
        ),
        201,
    )
    assert (media["urgency"], media["crisis"]) == ("urgent", True)
    assert media["crisis_reasons"]
    group = ok(
        agent.post(
            "tickets",
            {"kind": "complaint", "channel": "visit", "subject": "集体投诉", "people_count": 5},
        ),
        201,
    )
    assert group["crisis"] is True


@pytest.mark.parametrize("demo", ["letters-and-visits"], indirect=True)
def test_collective_visit_needs_an_approved_plan_before_resolve(demo: dict[str, User]) -> None:
    agent = as_(demo, "agent")
    body = {
        "kind": "complaint",
        "channel": "visit",
        "subject": "村民反映土地补偿款未发放",
        "people_count": 12,
        "enclosures": [{"item": "身份证", "disposition": "return"}],
    }
    t = ok(agent.post("tickets", body), 201)
    assert t["crisis"] is True and t["urgency"] == "urgent"
    number = t["number"]
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="township"))
    ok(as_(demo, "liaison").act(number, "assign", handler="handler"))
    handler = as_(demo, "handler")
    refused = handler.act(number, "resolve", reply="已发放", validity="valid")
    assert refused.status_code == 409
    assert "approved handling plan" in refused.json()["error"]["message"]
    ok(handler.act(number, "submit-plan", plan="三日内核实并发放补偿款"))
    ok(as_(demo, "leader").act(number, "approve-plan", comment="同意"))
    assert ok(handler.act(number, "resolve", reply="已发放", validity="valid"))["status"] == (
        "resolved"
    )


@pytest.mark.parametrize("demo", ["car-dealer"], indirect=True)
def test_car_dealer_compensation_and_key_customer_file(demo: dict[str, User]) -> None:
    agent = as_(demo, "agent")
    body = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "保养后发动机异响",
        "customer": {"name": "车主乙", "phone": "13500000000"},
    }
    number = ok(agent.post("tickets", body), 201)["number"]
    assert Ticket.objects.get(number=number).customer.is_key_customer  # type: ignore[union-attr]
    ok(agent.act(number, "accept"))
    # The after-sales liaison hands the case to a service advisor in a team below it.
    liaison = demo["liaison"]
    assert liaison.department is not None
    ok(agent.act(number, "dispatch", department=liaison.department.code))
    handler = demo["handler"]
    assert handler.department is not None and handler.department.parent == liaison.department
    ok(Api(liaison).act(number, "assign", handler=handler.username))
    t = ok(
        Api(handler).act(
            number,
            "resolve",
            reply="免费检修并赠送一次保养。",
            validity="valid",
            cause="装配不当",
            compensation={"kind": "free_service", "amount": "680.00", "note": "补偿性关照"},
        )
    )
    assert t["compensation"] == {"kind": "free_service", "amount": "680.00", "note": "补偿性关照"}


@pytest.mark.parametrize("demo", ["power-95598"], indirect=True)
def test_95598_complaints_are_confidential(demo: dict[str, User]) -> None:
    agent = as_(demo, "agent")
    body = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "抄表员态度恶劣",
        "customer": {"name": "用户丙", "phone": "13400000000"},
    }
    t = ok(agent.post("tickets", body), 201)
    assert t["confidential"] is True
    assert t["customer"]["phone"] == "13400000000"  # the agent sees it


@pytest.mark.parametrize("demo", ["road-rescue"], indirect=True)
def test_road_rescue_media_threat_is_a_crisis(demo: dict[str, User]) -> None:
    body = {"kind": "complaint", "channel": "phone", "subject": "拖车收费过高，要找记者曝光"}
    t = ok(as_(demo, "agent").post("tickets", body), 201)
    assert (t["crisis"], t["urgency"]) == (True, "urgent")


@pytest.mark.parametrize("demo", ["finance-tax-firm"], indirect=True)
def test_finance_firm_takes_email_and_routes_legal_disputes(demo: dict[str, User]) -> None:
    body = {"kind": "complaint", "channel": "email", "subject": "账务处理错误，准备起诉"}
    t = ok(as_(demo, "agent").post("tickets", body), 201)
    assert t["urgency"] == "urgent"
    assert Ticket.objects.get(number=t["number"]).routed_department.code == "management"  # type: ignore[union-attr]
    letter = as_(demo, "agent").post("tickets", {**body, "channel": "letter"})
    assert letter.status_code == 400  # this firm takes no letters
