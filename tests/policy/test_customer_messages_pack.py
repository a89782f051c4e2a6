"""The pack's `customer_messages`: the loader refuses an unknown placeholder or bad quiet hours
naming the place, every pack's texts fill in for each of its kinds, and the texts become
admin-editable templates whose edit stands until the pack's own text changes."""

import copy
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from closeloop.policy.models import MessageTemplate
from closeloop.policy.schema import MESSAGE_PURPOSES, placeholders_allowed
from closeloop.policy.selectors import message_template_for
from closeloop.policy.services import message_templates_write, pack_list, pack_load, pack_read
from tests.conftest import person

from .test_pack_validation import VALID, refusal, refusals, write

MESSAGES = {
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "receipt": {"sms": "已登记,编号{number},查询码{query_code},{reply_by}前答复。"},
    "reply": {
        "sms": "答复:{reply_text}",
        "kinds": {"report": {"sms": "编号{number}已办结。"}},
    },
}


def with_messages(change: Any = None) -> Any:
    def mutate(d: dict[str, Any]) -> None:
        d["customer_messages"] = copy.deepcopy(MESSAGES)
        if change:
            change(d["customer_messages"])

    return mutate


def test_a_pack_with_messages_reads(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    with_messages()(data)
    spec = pack_read(write(tmp_path, data))
    assert spec.customer_messages is not None
    assert [(p, k) for p, k, _t in spec.customer_messages.templates()] == [
        ("receipt", ""),
        ("reply", ""),
        ("reply", "report"),
    ]


def test_an_unknown_placeholder_is_refused_naming_its_place(tmp_path: Path) -> None:
    def change(m: dict[str, Any]) -> None:
        m["receipt"]["sms"] = "编号{number},姓名{name}"

    assert refusal(tmp_path, with_messages(change)).startswith(
        "customer_messages.receipt.sms: unknown placeholder '{name}' (expected one of {number}"
    )


def test_a_placeholder_of_another_purpose_is_refused(tmp_path: Path) -> None:
    def change(m: dict[str, Any]) -> None:
        m["reply"]["kinds"]["report"]["subject"] = "{referral}"

    problem = refusal(tmp_path, with_messages(change))
    assert problem.startswith(
        "customer_messages.reply.kinds.report.subject: unknown placeholder '{referral}'"
    )
    assert "{reply_text}" in problem


def test_unpaired_braces_are_refused(tmp_path: Path) -> None:
    def change(m: dict[str, Any]) -> None:
        m["receipt"]["sms"] = "编号{number"

    assert refusal(tmp_path, with_messages(change)).startswith("customer_messages.receipt.sms: ")


def test_a_kind_the_pack_lacks_is_refused(tmp_path: Path) -> None:
    def change(m: dict[str, Any]) -> None:
        m["reply"]["kinds"]["praise"] = {"sms": "谢谢"}

    assert "customer_messages.reply.kinds.praise: kind 'praise' is not among this pack's kinds" in (
        refusals(tmp_path, with_messages(change))
    )


@pytest.mark.parametrize(
    "quiet, problem",
    [
        ({"start": "21:00", "end": "21:00"}, "quiet hours start and end at the same time (21:00)"),
        ({"start": "25:00", "end": "08:00"}, "'25:00' is not a time of day HH:MM"),
        ({"start": "21:00"}, "missing field 'end'"),
    ],
)
def test_bad_quiet_hours_are_refused(tmp_path: Path, quiet: dict[str, str], problem: str) -> None:
    def change(m: dict[str, Any]) -> None:
        m["quiet_hours"] = quiet

    message = refusal(tmp_path, with_messages(change))
    assert message.startswith("customer_messages.quiet_hours"), message
    assert problem.lower() in message.lower(), message


@pytest.mark.parametrize("name", [name for name, _t, _v in pack_list()])
def test_every_pack_has_texts_that_fill_in_for_each_of_its_kinds(name: str) -> None:
    spec = pack_read(Path("packs") / name)
    section = spec.customer_messages
    assert section is not None and section.quiet_hours is not None
    for purpose in MESSAGE_PURPOSES:
        template = getattr(section, purpose)
        assert template is not None, f"{name} has no {purpose} text"
        assert template.basis, f"{name}'s {purpose} names no basis in its seed"
        for kind in spec.kinds:
            text = template.kinds.get(kind, template)
            values = {p: f"<{p}>" for p in placeholders_allowed(purpose)}
            filled = text.sms.format_map(values)
            assert "{" not in filled and "<number>" in filled, (name, purpose, kind)


# --- the editable templates -------------------------------------------------------------


@pytest.mark.django_db
def test_loading_a_pack_writes_its_texts_and_keeps_an_admins_edit() -> None:
    pack_load("tax-hotline-12366")
    spec = pack_read(Path("packs") / "tax-hotline-12366")
    assert MessageTemplate.objects.filter(pack="tax-hotline-12366").count() == 5
    reply = message_template_for("tax-hotline-12366", "reply", "complaint")
    assert reply is not None and reply.sms == spec.customer_messages.reply.sms  # type: ignore[union-attr]

    reply.sms = "【12366】工单{number}的答复:{reply_text}(管理员修改)"
    reply.save()
    pack_load("tax-hotline-12366")  # the same pack again: the edit stands
    reply.refresh_from_db()
    assert reply.sms.endswith("(管理员修改)")

    # The pack's own text changes: it replaces the edit.
    section = spec.customer_messages
    assert section is not None and section.reply is not None
    changed = spec.model_copy(
        update={
            "customer_messages": section.model_copy(
                update={"reply": section.reply.model_copy(update={"sms": "新答复{reply_text}"})}
            )
        }
    )
    message_templates_write(changed)
    reply.refresh_from_db()
    assert reply.sms == "新答复{reply_text}"


@pytest.mark.django_db
def test_a_kind_of_its_own_wins_over_the_purposes_text() -> None:
    pack_load("car-dealer")
    assert message_template_for("car-dealer", "receipt", "praise").sms.startswith(  # type: ignore[union-attr]
        "【{centre}】感谢您的表扬"
    )
    assert "{reply_by}" in message_template_for("car-dealer", "receipt", "complaint").sms  # type: ignore[union-attr]
    assert message_template_for("car-dealer", "nothing", "complaint") is None


@pytest.mark.django_db
def test_the_admin_checks_the_placeholders_on_save() -> None:
    pack_load("tax-hotline-12366")
    admin = person("root", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    row = MessageTemplate.objects.get(pack="tax-hotline-12366", purpose="reply", kind="")
    url = f"/admin/policy/messagetemplate/{row.pk}/change/"
    assert client.get(url).status_code == 200

    bad = {"sms": "答复{reply_text},地址{address}", "subject": "", "body": ""}
    response = client.post(url, bad)
    assert response.status_code == 200  # the form again, with the error
    assert "{address}" in response.content.decode()
    row.refresh_from_db()
    assert "{address}" not in row.sms

    good = {"sms": "【12366】{number}答复:{reply_text}", "subject": "答复", "body": ""}
    assert client.post(url, good).status_code == 302
    row.refresh_from_db()
    assert row.sms == good["sms"]


def test_the_catalogue_tells_customers_only_of_purposes_a_pack_can_write() -> None:
    from closeloop.workflow.actions import ACTIONS

    told = {name: a.tells_customer for name, a in ACTIONS.items() if a.tells_customer}
    assert told == {
        "register": "receipt",
        "accept": "accepted",
        "decline": "refused",
        "answer": "reply",
        "reply": "reply",
    }
    assert set(told.values()) <= set(MESSAGE_PURPOSES)
