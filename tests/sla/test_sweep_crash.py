"""A worker killed in the middle of a sweep loses nothing and duplicates nothing: each batch
commits on its own, and the next sweep finishes the work."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from closeloop.notifications.models import Notification
from closeloop.sla.models import Deadline, EscalationRecord
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import TicketEvent
from closeloop.tickets.services import TicketInput
from tests.conftest import demo_people

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

CHILD = """
import os, sys, django
from datetime import datetime
django.setup()
from django.conf import settings
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
from closeloop.sla import sweep
real = sweep.deadline_advance
calls = 0
def dying(*args, **kwargs):
    global calls
    calls += 1
    if calls == 4:  # in the middle of the second batch, before it commits
        os._exit(9)
    return real(*args, **kwargs)
sweep.deadline_advance = dying
sweep.deadlines_sweep(now=datetime.fromisoformat(sys.argv[2]), batch=2)
"""


@pytest.mark.django_db(transaction=True)
def test_killed_mid_sweep_then_restarted(db: Any) -> None:
    people = demo_people("road-rescue")
    for i in range(5):
        ticket = services.ticket_register(
            actor=people["agent"],
            data=TicketInput(kind="complaint", channel="phone", subject=f"投诉{i}"),
            now=T0,
        )
        services.ticket_accept(people["agent"], ticket.number, now=T0)
    now = T0 + timedelta(minutes=6)  # every dispatch deadline (5 min) is overdue
    child = subprocess.run(
        [sys.executable, "-c", CHILD, connection.settings_dict["NAME"], now.isoformat()],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 9, child.stderr.decode()[-2000:]
    # The first batch (2 deadlines) committed; the second was lost with the worker.
    dispatch = Deadline.objects.filter(milestone="dispatch")
    assert dispatch.filter(state="overdue").count() == 2
    assert EscalationRecord.objects.count() == 2

    deadlines_sweep(now=now)  # the restarted worker
    deadlines_sweep(now=now)  # and one more, for good measure
    assert dispatch.filter(state="overdue").count() == 5
    assert EscalationRecord.objects.count() == 5
    assert TicketEvent.objects.filter(action="remind").count() == 5
    assert TicketEvent.objects.filter(action="overdue").count() == 5
    per_ticket = Notification.objects.filter(kind="remind").values_list("ticket", "recipient")
    assert len(per_ticket) == len(set(per_ticket))
