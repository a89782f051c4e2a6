"""Ticket services: the only code that changes a ticket, and the public interface of the
write side (`from closeloop.tickets import services; services.ticket_assign(...)`).

The modules, by seam:

- `inputs`: what the services take in (`TicketInput`, `CustomerInput`, …);
- `registration` and `records`: a new ticket, how the rules route it (also for the intake's
  preview), its number, customer record, repeats flag and idempotency key;
- `write`: the one write path (`_act`, `_move`), notifications, approval rules;
- `actions`, `approvals`, `visits`, `attachments`: one function `ticket_<verb>` per action;
- `survey`: the return-visit survey link (a one-time token), offered when a case is replied to
  and redeemed through `visits.survey_invitation_redeem`.
"""

from .actions import (
    ticket_accept,
    ticket_answer,
    ticket_assign,
    ticket_decline,
    ticket_dispatch,
    ticket_merge,
    ticket_progress,
    ticket_remind,
    ticket_reply,
    ticket_resolve,
    ticket_resume,
    ticket_send_back,
    ticket_supervise,
    ticket_suspend,
    ticket_transfer,
)
from .approvals import (
    ticket_approve_plan,
    ticket_decide_extension,
    ticket_extend,
    ticket_reject_plan,
    ticket_submit_plan,
)
from .attachments import (
    FileInput,
    attachment_filename,
    ticket_attach,
    ticket_attach_by_customer,
    ticket_note,
)
from .inputs import CompensationInput, CustomerInput, EnclosureInput, TicketInput
from .records import ticket_number_next
from .registration import (
    Routing,
    ticket_register,
    ticket_register_public,
    ticket_routing_preview,
)
from .survey import survey_invitation_issue, survey_url
from .visits import (
    SURVEY_SPENT,
    survey_invitation_redeem,
    ticket_close,
    ticket_reopen,
    ticket_return_visit,
    ticket_return_visit_by_customer,
)
from .write import ApprovalRule, approval_rule, reopened_notice

__all__ = [
    "SURVEY_SPENT",
    "ApprovalRule",
    "CompensationInput",
    "CustomerInput",
    "EnclosureInput",
    "FileInput",
    "Routing",
    "TicketInput",
    "approval_rule",
    "attachment_filename",
    "reopened_notice",
    "survey_invitation_issue",
    "survey_invitation_redeem",
    "survey_url",
    "ticket_accept",
    "ticket_answer",
    "ticket_approve_plan",
    "ticket_assign",
    "ticket_attach",
    "ticket_attach_by_customer",
    "ticket_close",
    "ticket_decide_extension",
    "ticket_decline",
    "ticket_dispatch",
    "ticket_extend",
    "ticket_merge",
    "ticket_note",
    "ticket_number_next",
    "ticket_progress",
    "ticket_register",
    "ticket_register_public",
    "ticket_reject_plan",
    "ticket_remind",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_resume",
    "ticket_return_visit",
    "ticket_return_visit_by_customer",
    "ticket_routing_preview",
    "ticket_send_back",
    "ticket_submit_plan",
    "ticket_supervise",
    "ticket_suspend",
    "ticket_transfer",
]
