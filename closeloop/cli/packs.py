"""`closeloop pack`: list, validate and load policy packs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .base import (
    _Parser,
    _require_migrated,
)


def cmd_pack_list(args: argparse.Namespace) -> int:
    from django.db import DatabaseError

    from closeloop.policy.models import PolicyPack
    from closeloop.policy.services import pack_list

    try:
        active = PolicyPack.objects.filter(is_active=True).first()
    except DatabaseError:
        active = None  # listing what is on disk needs no database
    packs = pack_list()
    if not packs:
        print("No policy packs found.")
        return 0
    width = max(len(name) for name, _title, _version in packs)
    for name, title, version in packs:
        mark = "*" if active is not None and active.name == name else " "
        print(f"{mark} {name:<{width}}  {version:<8}  {title}")
    return 0


def cmd_pack_validate(args: argparse.Namespace) -> int:
    from closeloop.policy.services import pack_read

    path = Path(args.path)
    spec = pack_read(path)
    print(f"{path}: valid policy pack {spec.name} {spec.version} — {spec.title}")
    return 0


def cmd_pack_load(args: argparse.Namespace) -> int:
    from closeloop.policy.services import pack_load

    _require_migrated()
    pack = pack_load(args.name)
    print(f"Loaded policy pack {pack.name} {pack.version} — {pack.title}; it is now active.")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("pack", help="policy packs")
    pack_sub = p.add_subparsers(dest="pack_command", metavar="ACTION", parser_class=_Parser)
    pack_sub.required = True
    q = pack_sub.add_parser("list", help="list the packs in CLOSELOOP_PACKS_DIR")
    q.set_defaults(handler=cmd_pack_list)
    q = pack_sub.add_parser("validate", help="check a pack without loading it")
    q.add_argument("path")
    q.set_defaults(handler=cmd_pack_validate)
    q = pack_sub.add_parser("load", help="load a pack (by name or path) and make it active")
    q.add_argument("name")
    q.set_defaults(handler=cmd_pack_load)
