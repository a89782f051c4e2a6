"""`Ticket.objects`: who sees which ticket, the open and active tickets, a department's inbox —
the same rows whichever door a read comes through."""

from typing import Any

import pytest

from closeloop.directory.models import User
from closeloop.tickets import selectors, services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from closeloop.workflow.statuses import ACTIVE_STATUSES, OPEN_STATUSES, Status
from tests.conftest import Centre, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_name() -> str:
    return "power-95598"  # it has reports (举报), whose reporters are masked


@pytest.fixture
def tickets(centre: Centre) -> dict[str, str]:
    agent = centre.agent

    def new(kind: str = "complaint", **kw: Any) -> str:
        data = TicketInput(
            kind=kind,
            channel="phone",
            subject=kw.pop("subject", "停电投诉"),
            customer=CustomerInput(name="王五", phone="13700000000"),
            **kw,
        )
        return services.ticket_register(actor=agent, data=data).number

    def dispatch(number: str, department: str) -> None:
        services.ticket_accept(agent, number)
        services.ticket_dispatch(agent, number, department=department)

    n = {
        "report_a": new("report", subject="抄表员违规收费"),
        "in_b": new(),
        "held_before": new(),
        "undispatched": new(),
        "closed_a": new("consultation", subject="电费咨询"),
    }
    dispatch(n["report_a"], centre.dept_a.code)
    dispatch(n["in_b"], centre.dept_b.code)
    # Handled in A by handler_a, then transferred to B: handler_a held it before.
    dispatch(n["held_before"], centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, n["held_before"], handler="handler_a")
    services.ticket_transfer(centre.liaison_a, n["held_before"], department=centre.dept_b.code)
    dispatch(n["closed_a"], centre.dept_a.code)
    Ticket.objects.filter(number=n["closed_a"]).update(status=Status.CLOSED)
    return n


def _numbers(qs: Any) -> set[str]:
    return set(qs.values_list("number", flat=True))


def _everyone(centre: Centre) -> list[User]:
    nobody = person("no_roles", department=centre.dept_a)
    gone = person("gone", "liaison", department=centre.dept_a)
    gone.is_active = False
    gone.save()
    return [
        *(getattr(centre, f) for f in centre.__dataclass_fields__ if f[:4] != "dept"),
        nobody,
        gone,
    ]


def test_visible_to_hides_what_the_ticket_list_hides(
    centre: Centre, tickets: dict[str, str]
) -> None:
    for user in _everyone(centre):
        assert _numbers(Ticket.objects.visible_to(user)) == _numbers(
            selectors.ticket_list_for_user(user)
        ), user.username
    # Department B's liaison never sees the report held by department A (nor its reporter).
    assert tickets["report_a"] not in _numbers(Ticket.objects.visible_to(centre.liaison_b))
    assert tickets["report_a"] in _numbers(Ticket.objects.visible_to(centre.liaison_a))
    # A handler still sees what they held before, and a liaison of A no longer does.
    assert tickets["held_before"] in _numbers(Ticket.objects.visible_to(centre.handler_a))
    assert tickets["held_before"] not in _numbers(Ticket.objects.visible_to(centre.liaison_a))
    assert _numbers(Ticket.objects.visible_to(centre.supervisor)) == set(tickets.values())
    nobody = User.objects.get(username="no_roles")
    assert _numbers(Ticket.objects.visible_to(nobody)) == set()


def test_open_and_active_are_the_status_lists(centre: Centre, tickets: dict[str, str]) -> None:
    Ticket.objects.filter(number=tickets["in_b"]).update(status=Status.RESOLVED)
    assert _numbers(Ticket.objects.open()) == _numbers(
        Ticket.objects.filter(status__in=list(OPEN_STATUSES))
    )
    assert _numbers(Ticket.objects.active()) == _numbers(
        Ticket.objects.filter(status__in=list(ACTIVE_STATUSES))
    )
    assert tickets["in_b"] in _numbers(Ticket.objects.active())
    assert tickets["in_b"] not in _numbers(Ticket.objects.open())
    assert tickets["closed_a"] not in _numbers(Ticket.objects.active())


def test_department_inbox_is_the_visible_active_tickets_of_the_department(
    centre: Centre, tickets: dict[str, str]
) -> None:
    for user in (centre.liaison_a, centre.handler_a, centre.liaison_b, centre.supervisor):
        inbox = _numbers(selectors.department_inbox_for_user(user))
        visible = _numbers(
            Ticket.objects.visible_to(user).active().filter(department_id__in=user.department_scope)
        )
        assert inbox == visible, user.username
    assert _numbers(selectors.department_inbox_for_user(centre.liaison_a)) == {tickets["report_a"]}


def test_search_through_the_queryset_never_finds_a_masked_reporter(
    centre: Centre, tickets: dict[str, str]
) -> None:
    report = Ticket.objects.get(number=tickets["report_a"])
    report.customer.name = "举报人甲"
    report.customer.save()
    assert _numbers(Ticket.objects.search(centre.supervisor, "举报人甲")) == {tickets["report_a"]}
    seen = Ticket.objects.visible_to(centre.liaison_a)
    assert _numbers(seen.search(centre.liaison_a, "举报人甲")) == set()
    assert _numbers(seen.search(centre.liaison_a, "违规收费")) == {tickets["report_a"]}
