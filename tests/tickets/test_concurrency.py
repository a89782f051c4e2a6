"""Two people at once: exactly one wins, the other gets a conflict; numbers never repeat;
the same Idempotency-Key never makes a second ticket."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from tests.conftest import COMPLAINT, Centre


def in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_registration_gives_unique_numbers(centre: Centre, api: Any) -> None:
    def register(i: int) -> str:
        return api(centre.agent).post("tickets", COMPLAINT).json()["number"]

    numbers = in_threads(8, register)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 8
    suffixes = sorted(int(n.split("-")[1]) for n in numbers)
    assert suffixes == list(range(suffixes[0], suffixes[0] + 8))


@pytest.mark.django_db(transaction=True)
def test_two_people_act_at_once_one_wins(centre: Centre, api: Any) -> None:
    number = api(centre.agent).post("tickets", COMPLAINT).json()["number"]
    people = [centre.agent, centre.supervisor]

    def accept(i: int) -> int:
        return api(people[i]).act(number, "accept", version=1).status_code

    codes = sorted(in_threads(2, accept))
    assert codes == [200, 409]
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.version) == ("accepted", 2)
    assert TicketEvent.objects.filter(ticket=ticket, action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_different_actions_never_lose_an_update(centre: Centre, api: Any) -> None:
    number = api(centre.agent).post("tickets", COMPLAINT).json()["number"]
    services.ticket_accept(centre.agent, number)

    def act(i: int) -> int:
        if i == 0:
            return (
                api(centre.agent)
                .act(number, "dispatch", department="t-alpha", version=2)
                .status_code
            )
        return api(centre.supervisor).act(number, "decline", reason="重复", version=2).status_code

    codes = in_threads(2, act)
    assert sorted(codes) == [200, 409]
    ticket = Ticket.objects.get(number=number)
    assert ticket.version == 3
    assert ticket.status == ("dispatched" if codes[0] == 200 else "declined")


def test_stale_version_is_refused_with_the_current_version(centre: Centre, api: Any) -> None:
    agent = api(centre.agent)
    number = agent.post("tickets", COMPLAINT).json()["number"]
    assert agent.act(number, "note", text="第一条", version=1).status_code == 200
    response = agent.act(number, "note", text="第二条", version=1)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    assert response.json()["error"]["details"] == {"current_version": 2}
    assert TicketEvent.objects.filter(ticket__number=number, action="note").count() == 1


def test_idempotency_key_returns_the_same_ticket(centre: Centre, api: Any) -> None:
    agent = api(centre.agent)
    first = agent.post("tickets", COMPLAINT, **{"Idempotency-Key": "call-42"})
    again = agent.post("tickets", COMPLAINT, **{"Idempotency-Key": "call-42"})
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1
    different = agent.post(
        "tickets", {**COMPLAINT, "subject": "别的事"}, **{"Idempotency-Key": "call-42"}
    )
    assert different.status_code == 409
    assert different.json()["error"]["code"] == "conflict"
    # Keys belong to their user: another agent's same key is a new ticket.
    from tests.conftest import person

    other = api(person("agent2", "agent"))
    assert other.post("tickets", COMPLAINT, **{"Idempotency-Key": "call-42"}).status_code == 201
    assert Ticket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_idempotency_key_under_concurrency(centre: Centre, api: Any) -> None:
    def register(i: int) -> str:
        response = api(centre.agent).post("tickets", COMPLAINT, **{"Idempotency-Key": "same"})
        return response.json()["number"]

    numbers = in_threads(4, register)
    assert len(set(numbers)) == 1, numbers
    assert Ticket.objects.count() == 1
