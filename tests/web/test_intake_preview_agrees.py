"""The intake's preview tells the agent what registration will decide — because it asks the
same function registration routes with (`services.ticket_routing_preview`). For every kind of
every shipped pack, and a case made to meet each of its rules, the preview and the ticket
registered from the same input agree, also once the departments the rules name are retired."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from closeloop.directory.models import Department
from closeloop.directory.roles import Role
from closeloop.policy.schema import PackSpec
from closeloop.policy.services import pack_active
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people, required_field_values

pytestmark = pytest.mark.django_db

PACKS = sorted(p.parent.name for p in Path(settings.PACKS_DIR).glob("*/pack.yaml"))


def cases(spec: PackSpec) -> list[dict[str, Any]]:
    """Each kind plain, each category once, and for each rule a case meeting its plain
    conditions (kind, category, channel, caller type, words, anonymity, on site)."""
    categories = spec.category_codes()
    out: list[dict[str, Any]] = []
    for i, kind in enumerate(spec.kinds):
        out.append({"kind": kind})
        out += [{"kind": kind, "category": c} for c in categories[i :: len(spec.kinds)]]
    for rule in spec.rules:
        when = rule.when
        case: dict[str, Any] = {"kind": (when.kind or spec.kinds)[0]}
        if when.category:
            case["category"] = when.category[0]
        if when.channel:
            case["channel"] = when.channel[0]
        if when.customer_type:
            case["customer_type"] = when.customer_type[0]
            # The type alone, nobody named: registration keeps no caller, so no caller type.
            out.append({**case, "caller": False})
        if when.text_any:
            case["subject"] = f"来电反映{when.text_any[0]}的问题"
        if when.anonymous:
            case["anonymous"] = True
        if when.on_site:
            case["on_site"] = True
        out.append(case)
    return out


@pytest.mark.parametrize("retired", [False, True], ids=["as-loaded", "rule-departments-retired"])
@pytest.mark.parametrize("pack_name", PACKS)
def test_the_preview_decides_as_registration_does(
    pack_name: str, retired: bool, login: Any
) -> None:
    people = demo_people(pack_name)
    spec = pack_active()
    if retired:  # registration then routes by the category, or not at all
        named = {rule.set.department for rule in spec.rules if rule.set.department}
        Department.objects.filter(code__in=named).update(is_active=False)
    agent = next(p for p in people.values() if p.has_role(Role.AGENT))
    client = login(agent)
    for case in cases(spec):
        kind, anonymous = case["kind"], case.get("anonymous", False)
        caller = case.get("caller", True) and not anonymous
        channel = case.get("channel", spec.channels[0])
        subject = case.get("subject", "来电反映一个问题")
        customer_type = case.get("customer_type", "individual")
        form = {
            "kind": kind,
            "channel": channel,
            "subject": subject,
            "description": "详细情况见来电记录。",
            "category": case.get("category", ""),
            "customer_type": customer_type,
        }
        if anonymous:
            form["anonymous"] = "on"
        if caller:
            form.update(name="张三", phone="13800138000")
        if case.get("on_site"):
            form["on_site"] = "on"
        preview = client.post("/intake/preview/", form)
        assert preview.status_code == 200
        shown, department = preview.context["result"], preview.context["department"]

        ticket = services.ticket_register(
            actor=agent,
            data=TicketInput(
                kind=kind,
                channel=channel,
                subject=subject,
                description=form["description"],
                category=case.get("category"),
                customer=CustomerInput(name="张三", phone="13800138000", type=customer_type)
                if caller
                else None,
                anonymous=anonymous,
                on_site=bool(case.get("on_site")),
                fields=required_field_values(spec, kind),
            ),
        )
        said = (pack_name, case)
        assert ticket.routed_department == department, said
        assert (ticket.urgency, ticket.severity, ticket.crisis) == (
            shown.urgency,
            shown.severity,
            shown.crisis,
        ), said
        assert (ticket.centre_handles, ticket.referral, ticket.plan_required) == (
            shown.no_dispatch,
            shown.referral,
            shown.plan_approval,
        ), said
        assert (ticket.status == "declined") == shown.decline, said
