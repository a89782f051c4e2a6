"""Fixtures for page tests: the shared centre, logged-in clients, tickets in useful states."""

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    # The portal's rate limits and spent challenges live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def login() -> Any:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def complaint(**overrides: Any) -> TicketInput:
    data: dict[str, Any] = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "窗口人员态度差",
        "description": "办理发票业务时窗口人员态度生硬。",
        "customer": CustomerInput(name="张三", phone="13800138000"),
    }
    data.update(overrides)
    return TicketInput(**data)


@pytest.fixture
def register(centre: Any) -> Any:
    def make(**overrides: Any) -> Any:
        return services.ticket_register(actor=centre.agent, data=complaint(**overrides))

    return make


@pytest.fixture
def in_progress(centre: Any, register: Any) -> Any:
    """A complaint accepted, dispatched to department A and assigned to handler_a."""
    t = register()
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
