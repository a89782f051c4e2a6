"""Every time limit of every seed pack, replayed on a real ticket with a frozen clock.

Each row: the pack, the ticket, the steps that reach the milestone's start event (all at
T = Mon 2026-11-23 10:00, Asia/Shanghai), the milestone, and the due moment worked out by
hand from the pack's rule, its business hours and the official calendar.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop.directory.models import User
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.services import TicketInput
from tests.conftest import demo_people

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)

ROWS = [
    # pack, ticket fields, steps, milestone, due (local)
    # 1日 (urgent: 1 hour) from the complaint's arrival: the organisation is told at once.
    ("tax-service-outsourcing", {"channel": "on_site"}, [], "department_response", "2026-11-23 11:00"),
    ("tax-service-outsourcing", {}, [], "department_response", "2026-11-24 10:00"),
    # 受理当日: from the call, whether or not anyone clicked accept.
    ("tax-hotline-12366", {"kind": "consultation"}, [], "dispatch", "2026-11-23 17:30"),
    ("tax-hotline-12366", {"kind": "report", "subject": "举报虚开发票"}, [], "dispatch", "2026-11-23 17:30"),
    ("tax-hotline-12366", {"kind": "consultation"}, ["accept", "dispatch"], "assign", "2026-11-23 17:30"),
    ("tax-hotline-12366", {"kind": "consultation"}, ["accept", "dispatch"], "department_response", "2026-11-23 17:30"),
    ("tax-hotline-12366", {"kind": "consultation"}, ["accept", "dispatch", "assign", "progress"], "reply", "2026-11-23 17:30"),
    # 《纳税服务投诉管理办法》: acceptance decided in 1 working day (12366 accepts a service
    # complaint as it registers it), handled in 5 (服务言行) or 10 (服务质效, 权益保护).
    ("tax-hotline-12366", {"category": "service-conduct"}, [], "accept", "2026-11-24 17:30"),
    ("tax-hotline-12366", {"category": "service-conduct"}, [], "resolve", "2026-11-30 17:30"),
    ("tax-hotline-12366", {"category": "service-quality"}, [], "resolve", "2026-12-07 17:30"),
    ("tax-hotline-12366", {"category": "rights-protection"}, [], "resolve", "2026-12-07 17:30"),
    ("tax-hotline-12366", {}, [], "resolve", "2026-11-30 17:30"),
    ("finance-tax-firm", {"channel": "web"}, [], "accept", "2026-11-23 10:05"),
    ("finance-tax-firm", {"channel": "email"}, [], "accept", "2026-11-24 18:00"),
    ("finance-tax-firm", {}, ["accept", "dispatch"], "department_response", "2026-11-24 18:00"),
    ("finance-tax-firm", {"kind": "suggestion"}, [], "suggestion_feedback", "2026-11-30 18:00"),
    ("finance-tax-firm", {}, [], "resolve", "2026-11-30 18:00"),
    ("finance-tax-firm", {"kind": "consultation"}, ["answer"], "return_visit", "2026-11-26 18:00"),
    ("power-95598", {}, ["accept", "dispatch"], "first_contact", "2026-11-23 12:00"),
    ("power-95598", {}, [], "resolve", "2026-11-26 23:59:59"),
    ("power-95598", {"kind": "report"}, [], "resolve", "2026-11-30 23:59:59"),
    ("power-95598", {}, ["answer"], "return_visit", "2026-11-25 23:59:59"),
    ("letters-and-visits", {"subject": "紧急：村道塌方"}, [], "leader_review", "2026-11-24 23:59:59"),
    ("letters-and-visits", {}, [], "leader_review", "2026-11-26 23:59:59"),
    ("letters-and-visits", {"category": "handling-complaint"}, [], "reply", "2026-12-07 18:00"),
    ("letters-and-visits", {}, [], "reply", "2026-12-08 23:59:59"),
    ("letters-and-visits", {"category": "superior-assigned"}, [], "resolve", "2027-01-22 23:59:59"),
    ("letters-and-visits", {"subject": "重要：土地政策问题"}, [], "resolve", "2027-02-22 23:59:59"),
    ("letters-and-visits", {}, [], "resolve", "2026-12-23 23:59:59"),
    ("car-dealer", {}, [], "accept", "2026-11-23 11:00"),
    ("car-dealer", {}, ["answer"], "return_visit", "2026-11-26 18:00"),
    # 首报五分钟内: from the first report, with nobody having accepted the case.
    ("road-rescue", {}, [], "dispatch", "2026-11-23 10:05"),
    ("road-rescue", {}, [], "department_response", "2026-11-23 22:00"),
    ("road-rescue", {}, [], "progress_report", "2026-11-24 10:00"),
    ("road-rescue", {}, [], "resolve", "2026-11-25 10:00"),
    ("road-rescue", {"kind": "suggestion"}, [], "suggestion_feedback", "2026-11-30 23:59:59"),
    ("road-rescue", {}, ["answer"], "return_visit", "2026-11-23 23:59:59"),
    # The reopen clocks (start: reopened): a dissatisfied visit sends the case back to work.
    ("tax-service-outsourcing", {"channel": "on_site"}, ["answer", "dissatisfied"], "resolve", "2026-11-23 11:00"),
    ("tax-service-outsourcing", {}, ["answer", "dissatisfied"], "resolve", "2026-11-24 10:00"),
    ("tax-hotline-12366", {}, ["answer", "dissatisfied"], "resolve", "2026-11-30 17:30"),
    ("finance-tax-firm", {"kind": "help"}, ["answer", "dissatisfied"], "resolve", "2026-11-30 18:00"),
    ("car-dealer", {}, ["answer", "dissatisfied"], "resolve", "2026-11-26 18:00"),
]  # fmt: skip


MET_AT_ONCE = {("tax-hotline-12366", "accept"): "met"}


def _liaison_and_handler(people: dict[str, User]) -> tuple[User, User]:
    """A liaison and a handler of a department at or below the liaison's."""
    for liaison in people.values():
        if not liaison.has_role("liaison"):
            continue
        for handler in people.values():
            if handler.has_role("handler") and handler.department_id in liaison.department_scope:
                return liaison, handler
    raise AssertionError("the pack's demo people have no liaison with a handler")


def _walk(people: dict[str, User], number: str, steps: list[str]) -> None:
    agent = next(u for u in people.values() if u.has_role("agent"))
    liaison, handler = _liaison_and_handler(people)
    for step in steps:
        if step == "accept":
            services.ticket_accept(agent, number, now=T)
        elif step == "dispatch":
            assert liaison.department is not None
            services.ticket_dispatch(agent, number, department=liaison.department.code, now=T)
        elif step == "assign":
            services.ticket_assign(liaison, number, handler=handler.username, now=T)
        elif step == "progress":
            services.ticket_progress(handler, number, note="已答复", now=T)
        elif step == "answer":
            services.ticket_answer(agent, number, reply="当场答复", now=T)
        elif step == "dissatisfied":
            services.ticket_return_visit(agent, number, satisfaction="dissatisfied", now=T)


@pytest.mark.parametrize(("pack", "fields", "steps", "milestone", "due"), ROWS)
def test_pack_time_limit(
    db: Any, pack: str, fields: dict[str, Any], steps: list[str], milestone: str, due: str
) -> None:
    people = demo_people(pack)
    agent = next(u for u in people.values() if u.has_role("agent"))
    data = TicketInput(**{"kind": "complaint", "channel": "phone", "subject": "投诉", **fields})
    ticket = services.ticket_register(actor=agent, data=data, now=T)
    _walk(people, ticket.number, steps)
    deadline = Deadline.objects.filter(ticket=ticket, milestone=milestone).latest("id")
    expected = datetime.fromisoformat(due).replace(tzinfo=TZ)
    assert deadline.due_at == expected, deadline.explanation
    # 12366 takes a service complaint on as the agent registers it: its accept clock is met.
    assert deadline.state == MET_AT_ONCE.get((pack, milestone), "on_track")


def test_every_pack_limit_has_a_row() -> None:
    from closeloop.policy.services import pack_read

    covered: dict[str, int] = {}
    for pack, *_rest in ROWS:
        covered[pack] = covered.get(pack, 0) + 1
    for pack in covered:
        assert covered[pack] >= len(pack_read(f"packs/{pack}").time_limits), pack
    assert set(covered) == {
        "tax-service-outsourcing", "tax-hotline-12366", "finance-tax-firm", "power-95598",
        "letters-and-visits", "car-dealer", "road-rescue",
    }  # fmt: skip
