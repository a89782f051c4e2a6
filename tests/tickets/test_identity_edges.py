"""A reporter's identity stays hidden *between* tickets: a later ticket of the same caller, the
repeat and merge hints, the caller history, the portal's progress check and the admin never
pass it to someone who may not see it (信访工作条例 art. 30)."""

from typing import Any

import pytest
from django.test import Client

from closeloop.tickets import services
from closeloop.tickets.models import Customer, Ticket
from tests.conftest import COMPLAINT, Centre
from tests.tickets.test_masking import REPORTER, assert_no_secret, dispatched_report
from tests.web.test_portal import solved


@pytest.fixture
def pack_name() -> str:
    return "letters-and-visits"  # a centre that takes reports (举报)


# Said only on the report: a later ticket that gives just the name and phone must not show them.
GIVEN_ONLY_ON_THE_REPORT = ["whistle@example.com", "110101199001011234", "某某商贸", "幸福路"]


def later_ticket(api: Any, centre: Centre, **extra: Any) -> str:
    """The same caller rings again about the same matter, as an ordinary consultation, and the
    agent sends it to the department the report accuses."""
    agent = api(centre.agent)
    body = {
        **COMPLAINT,
        "kind": "consultation",
        "subject": "举报窗口人员收受好处",
        "customer": {"name": REPORTER["name"], "phone": REPORTER["phone"], "type": "individual"},
        **extra,
    }
    response = agent.post("tickets", body)
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    if response.json()["status"] == "registered":
        assert agent.act(number, "accept").status_code == 200
    assert agent.act(number, "dispatch", department="t-alpha").status_code == 200
    return number


def test_a_later_ordinary_ticket_never_shows_what_only_the_report_said(
    api: Any, centre: Centre
) -> None:
    report = dispatched_report(api, centre)
    later = later_ticket(api, centre)
    liaison = api(centre.liaison_a)
    detail = liaison.get(f"tickets/{later}").json()
    # The ordinary ticket shows what this caller gave on it, and nothing the report carried.
    assert detail["customer"]["masked"] is False
    assert detail["customer"]["phone"] == REPORTER["phone"]
    for secret in GIVEN_ONLY_ON_THE_REPORT:
        assert secret not in str(detail), secret
    # No hint links the two: the same phone is not a repeat across the protection line.
    assert report not in str(detail)
    assert detail["is_repeat"] is False
    listing = liaison.get("tickets").json()
    for secret in GIVEN_ONLY_ON_THE_REPORT:
        assert secret not in str(listing), secret
    history = liaison.get("customers", phone=REPORTER["phone"]).json()
    assert [t["number"] for t in history["results"]] == [later]
    assert report not in str(history)
    for secret in GIVEN_ONLY_ON_THE_REPORT:
        assert secret not in str(history), secret
    # The report keeps everything the reporter gave, for those who may see it.
    shown = api(centre.agent).get(f"tickets/{report}").json()["customer"]
    assert (shown["email"], shown["id_number"]) == (REPORTER["email"], REPORTER["id_number"])
    # Two records: the report's is its own and is never reused.
    tickets = Ticket.objects.in_bulk([report, later], field_name="number")
    assert tickets[report].customer_id != tickets[later].customer_id
    assert Customer.objects.get(pk=tickets[report].customer_id).protected


def test_a_second_report_by_the_same_caller_gets_its_own_record_too(
    api: Any, centre: Centre
) -> None:
    first = dispatched_report(api, centre)
    second = dispatched_report(api, centre, subject="再次举报窗口人员收受好处")
    tickets = Ticket.objects.in_bulk([first, second], field_name="number")
    assert tickets[first].customer_id != tickets[second].customer_id
    # The agent (who may see who reported) is told it looks like a repeat ...
    assert first in str(api(centre.agent).get(f"tickets/{second}").json()["repeat_candidates"])
    # ... the department, which sees both masked, is not.
    detail = api(centre.liaison_a).get(f"tickets/{second}").json()
    assert first not in str(detail)
    assert_no_secret(detail)


def test_an_ordinary_ticket_reuses_no_record_of_a_report(api: Any, centre: Centre) -> None:
    """Reported first, then an ordinary case with every detail the same: a new record."""
    report = dispatched_report(api, centre)
    later = later_ticket(api, centre, customer=REPORTER)
    tickets = Ticket.objects.in_bulk([report, later], field_name="number")
    assert tickets[report].customer_id != tickets[later].customer_id
    assert Customer.objects.filter(protected=False).count() == 1


def test_a_repeat_hint_never_names_a_report_to_the_department(api: Any, centre: Centre) -> None:
    """Matched without the phone (same respondent and category, similar text): the hint names
    the report only to those who may open it unmasked."""
    accused = {"respondent": {"department": "t-alpha"}, "category": "cadre-conduct"}
    report = dispatched_report(api, centre, **accused)
    later = later_ticket(
        api,
        centre,
        kind="complaint",
        customer={"name": "王五", "phone": "13700007777", "type": "individual"},
        **accused,
    )
    assert report in str(api(centre.agent).get(f"tickets/{later}").json()["repeat_candidates"])
    detail = api(centre.liaison_a).get(f"tickets/{later}").json()
    assert report not in str(detail["repeat_candidates"])


def test_merging_across_the_protection_line_is_refused(api: Any, centre: Centre) -> None:
    report = dispatched_report(api, centre)
    later = later_ticket(api, centre)
    agent = api(centre.agent)
    for duplicate, original in ((later, report), (report, later)):
        response = agent.act(duplicate, "merge", into=original)
        assert response.status_code == 400, response.json()
        assert "into" in response.json()["error"]["details"]
    assert Ticket.objects.filter(status="merged").count() == 0
    # Two reports may be merged: both stay masked to the department.
    second = dispatched_report(api, centre, subject="再次举报窗口人员收受好处")
    assert agent.act(second, "merge", into=report).status_code == 200


@pytest.mark.parametrize("protection", [{"kind": "report"}, {"confidential": True}])
def test_the_portal_opens_a_protected_case_by_query_code_only(
    api: Any, centre: Centre, protection: dict[str, Any]
) -> None:
    """Whoever holds the number (every liaison who sees it masked) must not learn whether a
    suspect's phone is the reporter's: the right phone answers as a wrong one does."""
    response = api(centre.agent).post("tickets", {**COMPLAINT, **protection, "customer": REPORTER})
    ticket = Ticket.objects.get(number=response.json()["number"])
    answers = []
    for phone in (REPORTER["phone"], "13900000000"):
        client = Client()
        answer = client.post(
            "/portal/check/",
            {"number": ticket.number, "phone": phone, **solved(client, "/portal/check/")},
        )
        answers.append((answer.status_code, answer.content.decode().count("found no case")))
    assert answers[0] == answers[1] == (400, 1)
    client = Client()
    opened = client.post(
        "/portal/check/",
        {"number": ticket.number, "code": ticket.public_code, **solved(client, "/portal/check/")},
    )
    assert opened.status_code == 302


def test_the_portal_still_opens_an_ordinary_case_by_phone(api: Any, centre: Centre) -> None:
    number = api(centre.agent).post("tickets", COMPLAINT).json()["number"]
    client = Client()
    opened = client.post(
        "/portal/check/",
        {
            "number": number,
            "phone": COMPLAINT["customer"]["phone"],
            **solved(client, "/portal/check/"),
        },
    )
    assert opened.status_code == 302


def test_a_public_submission_changes_no_existing_record(api: Any, centre: Centre) -> None:
    report = dispatched_report(api, centre, confidential=True)
    ordinary = api(centre.agent).post(
        "tickets",
        {**COMPLAINT, "customer": {**COMPLAINT["customer"], "email": "first@example.com"}},
    )
    for name, phone in ((REPORTER["name"], REPORTER["phone"]), ("张三", "13800138000")):
        client = Client()
        response = client.post(
            "/portal/submit/",
            {
                "kind": "complaint",
                "subject": "排队时间过长",
                "description": "等了两个小时",
                "name": name,
                "phone": phone,
                "email": "attacker@example.com",
                **solved(client, "/portal/submit/"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    agent = api(centre.agent)
    assert agent.get(f"tickets/{report}").json()["customer"]["email"] == REPORTER["email"]
    number = ordinary.json()["number"]
    assert agent.get(f"tickets/{number}").json()["customer"]["email"] == "first@example.com"
    # The submissions keep what they said, on records of their own.
    web = Ticket.objects.filter(channel="web").select_related("customer")
    assert {t.customer.email for t in web} == {"attacker@example.com"}
    assert len({t.customer_id for t in web} | {Ticket.objects.get(number=number).customer_id}) == 3


def test_a_staff_change_to_a_shared_record_is_an_event(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    first = agent.post("tickets", COMPLAINT).json()["number"]
    changed = {**COMPLAINT["customer"], "email": "new@example.com", "address": "新地址1号"}
    second = agent.post("tickets", {**COMPLAINT, "customer": changed}).json()["number"]
    tickets = Ticket.objects.in_bulk([first, second], field_name="number")
    assert tickets[first].customer_id == tickets[second].customer_id
    event = tickets[second].events.get(action="customer_update")
    assert event.actor == centre.agent
    # The fields that changed, not their values: the timeline is no second copy of them.
    assert event.payload == {"fields": ["email", "address"]}
    # Nothing changed, nothing recorded.
    third = agent.post("tickets", {**COMPLAINT, "customer": changed}).json()["number"]
    assert not Ticket.objects.get(number=third).events.filter(action="customer_update").exists()


def test_the_admin_never_shows_the_query_code(centre: Centre) -> None:
    ticket = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(kind="report", channel="phone", subject="举报"),
    )
    centre.admin.is_staff = centre.admin.is_superuser = True  # as `closeloop user add` does
    centre.admin.save()
    client = Client()
    client.force_login(centre.admin)
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert ticket.public_code not in page.content.decode()
    listing = client.get("/admin/tickets/ticket/")
    assert ticket.public_code not in listing.content.decode()


def test_the_upgrade_gives_every_report_a_record_of_its_own(api: Any, centre: Centre) -> None:
    """Records shared before the upgrade (migration tickets.0009) are split; hints learn which
    tickets they name are protected."""
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module("closeloop.tickets.migrations.0009_customer_protected")
    report = dispatched_report(api, centre)
    ordinary = later_ticket(api, centre, kind="complaint")
    lone = dispatched_report(api, centre, customer={"name": "孤", "phone": "13600000001"})
    # As the old code left them: one record for the report and the ordinary case, nothing flagged.
    tickets = Ticket.objects.in_bulk([report, ordinary, lone], field_name="number")
    shared = tickets[ordinary].customer
    Ticket.objects.filter(pk=tickets[report].pk).update(customer=shared)
    Customer.objects.update(protected=False)
    Ticket.objects.filter(pk=tickets[ordinary].pk).update(
        repeat_candidates=[{"number": report, "similarity": 1.0}]
    )
    Customer.objects.exclude(pk__in=Ticket.objects.values("customer_id")).delete()

    upgrade.split_protected_customers(apps, None)
    upgrade.flag_repeat_hints(apps, None)

    tickets = Ticket.objects.select_related("customer").in_bulk(
        [report, ordinary, lone], field_name="number"
    )
    assert tickets[ordinary].customer_id == shared.pk and not tickets[ordinary].customer.protected
    assert tickets[report].customer_id != shared.pk and tickets[report].customer.protected
    assert tickets[report].customer.phone == shared.phone
    assert tickets[lone].customer.protected  # alone on its record: kept, and flagged
    assert tickets[ordinary].repeat_candidates == [
        {"number": report, "similarity": 1.0, "protected": True}
    ]
    detail = api(centre.liaison_a).get(f"tickets/{ordinary}").json()
    assert report not in str(detail["repeat_candidates"])


def test_the_timeline_names_the_changed_fields(api: Any, centre: Centre, client: Client) -> None:
    agent = api(centre.agent)
    agent.post("tickets", COMPLAINT)
    changed = {**COMPLAINT["customer"], "email": "new@example.com"}
    number = agent.post("tickets", {**COMPLAINT, "customer": changed}).json()["number"]
    client.force_login(centre.agent)
    page = client.get(f"/tickets/{number}/").content.decode()
    assert "Customer details updated" in page
    assert "new@example.com" not in page.split('data-action="customer_update"')[1][:500]
