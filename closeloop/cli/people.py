"""`closeloop user`, `token`, `department`: people and the organisation."""

from __future__ import annotations

import argparse
from typing import Any

from .base import (
    _Parser,
    _require_migrated,
)


def cmd_user_add(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_create
    from closeloop.policy.services import pack_active

    _require_migrated()
    levels = {r.level: r.role for r in pack_active().responsible_levels} if args.level else {}
    user = user_create(
        username=args.username,
        roles=args.roles,
        department_code=args.department,
        password=args.password,
        display_name=args.display_name or "",
        responsible_level=args.level,
        responsible_levels=levels,
    )
    roles = ", ".join(sorted(user.role_set))
    where = f" in {user.department.code}" if user.department else ""
    print(f"Created user {user.username} ({roles}){where}.")
    if args.password is None:
        print(f"No password set: the API works with 'closeloop token {user.username}'.")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_unlock

    _require_migrated()
    cleared = user_unlock(args.username)
    if cleared:
        print(f"Unlocked {args.username}: cleared {cleared} records of failed log-ins.")
    else:
        print(f"{args.username} had no failed log-ins to clear.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_token

    _require_migrated()
    print(user_token(args.username))
    return 0


def cmd_department_add(args: argparse.Namespace) -> int:
    from closeloop.directory.services import department_create

    _require_migrated()
    department = department_create(code=args.code, name=args.name, parent_code=args.parent)
    under = f" under {department.parent.code}" if department.parent else ""
    print(f"Created department {department.code} {department.name}{under}.")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("user", help="manage people")
    user_sub = p.add_subparsers(dest="user_command", metavar="ACTION", parser_class=_Parser)
    user_sub.required = True
    q = user_sub.add_parser("add", help="add a member of staff")
    q.add_argument("username")
    q.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        metavar="ROLE",
        help="agent, liaison, handler, supervisor, leader, inspector or admin; may repeat",
    )
    q.add_argument("--department", metavar="CODE")
    q.add_argument("--password", metavar="P")
    q.add_argument("--display-name", metavar="NAME")
    q.add_argument(
        "--level",
        type=int,
        metavar="N",
        help="the responsible level the person holds (the pack's responsible_levels)",
    )
    q.set_defaults(handler=cmd_user_add)
    q = user_sub.add_parser("unlock", help="lift a login lockout: forget the failed log-ins")
    q.add_argument("username")
    q.set_defaults(handler=cmd_user_unlock)

    p = sub.add_parser("token", help="print a user's API token (created if missing)")
    p.add_argument("username")
    p.set_defaults(handler=cmd_token)

    p = sub.add_parser("department", help="manage departments")
    dep_sub = p.add_subparsers(dest="department_command", metavar="ACTION", parser_class=_Parser)
    dep_sub.required = True
    q = dep_sub.add_parser("add", help="add a department")
    q.add_argument("code")
    q.add_argument("name")
    q.add_argument("--parent", metavar="CODE")
    q.set_defaults(handler=cmd_department_add)
