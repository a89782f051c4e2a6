"""`closeloop init`: the data directory, migrations, the pack, the demo people and history."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path
from typing import Any

from .base import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    CommandError,
    _site_url,
)


def cmd_init(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    # The migrations made the cache table already, unless the site used Redis back then.
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    from closeloop.demo.history import demo_history_create

    if not 0 < args.port < 65536:
        raise CommandError(f"invalid port {args.port}")
    pack_name = args.pack or settings.DEFAULT_PACK
    history = None
    with transaction.atomic():
        pack = _pack_ensure_loaded(pack_name)
        people = _demo_ensure(pack) if args.demo else []
        if args.demo:
            history = demo_history_create(tickets_count=args.demo_tickets)

    print(f"Data directory: {settings.DATA_DIR}")
    print(f"Policy pack: {pack.name} {pack.version} — {pack.title}")
    if history is not None:
        _print_history(history)
    if args.demo:
        url = _site_url(args.host, args.port)
        print(f"URL (after 'closeloop run'): {url}  admin: {url}admin/  API: {url}api/v1/docs")
        print("Demo logins (username / password / roles):")
        width = max((len(p.username) for p in people), default=0)
        pw_width = max((len(p.password) for p in people), default=0)
        for person in people:
            roles = ", ".join(person.roles)
            where = f"  [{person.department}]" if person.department else ""
            print(f"  {person.username:<{width}}  {person.password:<{pw_width}}  {roles}{where}")
    return 0


def _print_history(history: Any) -> None:
    from closeloop.demo.history import demo_statuses

    if history.skipped:
        print("Demo history: the database already holds tickets; none added.")
        return
    if not history.tickets:
        return
    print(
        f"Demo history: {history.tickets} tickets received {history.first_day} – "
        f"{history.last_day} ({demo_statuses(history)}); {history.overdue} overdue now; "
        f"monthly reports: {', '.join(history.reports) or 'none'}."
    )
    for refusal in history.refused:
        print(f"  not replayed: {refusal}")


def _pack_ensure_loaded(name_or_path: str) -> Any:
    """The active pack as a PackSpec, loading `name_or_path` unless it is already active.

    pack_load writes a new PolicyPack row each time; comparing digests keeps a second
    `closeloop init` from changing anything.
    """
    from django.conf import settings

    from closeloop.common.errors import ServiceError
    from closeloop.policy import services as policy
    from closeloop.policy.models import PolicyPack

    active = PolicyPack.objects.filter(is_active=True).first()
    if active is not None:
        candidate = Path(name_or_path)
        path = candidate if candidate.exists() else Path(settings.PACKS_DIR) / name_or_path
        try:
            _data, digest = policy.pack_canonical(policy.pack_read(path))
        except ServiceError:
            digest = ""  # pack_load below refuses it with the precise message
        if digest == active.digest:
            return policy.pack_active()
    policy.pack_load(name_or_path)
    return policy.pack_active()


def _demo_ensure(pack: Any) -> list[Any]:
    """Create the pack's demo people and duty rota where missing; return the people."""
    from django.utils import timezone

    from closeloop.directory import services as directory
    from closeloop.directory.models import DutyRota, User
    from closeloop.policy import services as policy

    people = list(policy.pack_demo_people(pack))
    for person in people:
        existing = User.objects.filter(username=person.username).first()
        if existing is not None and existing.is_active:
            continue  # a second `init --demo` changes nothing
        if existing is not None:
            # Retired with the previous pack's organisation (or switched off): the pack's
            # demo person again, with this pack's role and department.
            directory.user_reset(
                username=person.username,
                roles=list(person.roles),
                department_code=person.department or None,
                password=person.password,
                display_name=person.display_name,
            )
            continue
        directory.user_create(
            username=person.username,
            roles=list(person.roles),
            department_code=person.department or None,
            password=person.password,
            display_name=person.display_name,
            responsible_level=person.level,
            responsible_levels={r.level: r.role for r in pack.responsible_levels},
        )
    rota = policy.pack_demo_duty_rota(pack)
    if rota and not DutyRota.objects.exists():
        # The pack gives weekdays; the rota holds dates: fill the next four weeks.
        today = timezone.localdate()
        for offset in range(28):
            day = today + datetime.timedelta(days=offset)
            for duty in rota:
                if duty.weekday == day.weekday():
                    directory.duty_rota_add(
                        department_code=duty.department, username=duty.username, day=day
                    )
    return people


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("init", help="create the data directory, migrate, load a policy pack")
    p.add_argument("--pack", metavar="NAME", help="policy pack to load (default: CLOSELOOP_PACK)")
    p.add_argument(
        "--demo",
        action="store_true",
        help="create the pack's demo people and a few months of demo history",
    )
    p.add_argument(
        "--demo-tickets",
        type=int,
        metavar="N",
        help="tickets in the demo history (default CLOSELOOP_DEMO_TICKETS, 300; 0: people only)",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help="the host 'run' will use, for the URL shown"
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="the port 'run' will use, for the URL shown"
    )
    p.set_defaults(handler=cmd_init)
