"""Login lockout: after too many wrong passwords even the right one is refused until the time
the page names, on the staff login and the admin's; lockouts are logged and recorded; an admin
can unlock; one attacker locks only what the policy says (see docs/security.md).

The policy under test is the default: an account from one address after 5 failures, an address
after 20, an account from anywhere after 30, each for 15 minutes.
"""

import datetime
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from closeloop.cli import main
from closeloop.directory.services import user_create

pytestmark = pytest.mark.django_db

GOOD = "Kx7#mq2-Lp9z"
WRONG = "not-the-password"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _login(
    username: str, password: str, address: str = "127.0.0.1", path: str = "/login/"
) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _locked_out(response: object, until: str) -> bool:
    body = response.content.decode()  # type: ignore[attr-defined]
    return (
        response.status_code == 429  # type: ignore[attr-defined]
        and f"You can try again after {until}." in body
        and 'name="password"' in body  # the login page itself, not a bare refusal
    )


def test_the_right_password_after_150_wrong_ones_is_refused_until_the_time_named(
    frozen: object,
) -> None:
    user_create(username="alice", roles=["agent"], password=GOOD)
    for _ in range(150):
        _client, response = _login("alice", WRONG)
        assert response.status_code in (200, 429)

    client, response = _login("alice", GOOD)
    assert _locked_out(response, "2026-03-02 10:15")
    assert response["Retry-After"] == "900"
    assert not _logged_in(client)

    frozen.move_to(T0 + datetime.timedelta(minutes=15, seconds=1))  # type: ignore[attr-defined]
    client, response = _login("alice", GOOD)
    assert response.status_code == 302 and _logged_in(client)
    # The session the login made opens the API too.
    assert client.get("/api/v1/departments").status_code == 200


def test_the_fifth_wrong_password_already_says_when(frozen: object) -> None:
    user_create(username="alice", roles=["agent"], password=GOOD)
    for _ in range(4):
        response = _login("alice", WRONG)[1]
        assert response.status_code == 200 and "You can try again" not in response.content.decode()
    assert _locked_out(_login("alice", WRONG)[1], "2026-03-02 10:15")


def test_the_admin_login_locks_too(frozen: object) -> None:
    user_create(username="root", roles=["admin"], password=GOOD)
    admin_login = reverse("admin:login")
    for _ in range(50):
        _login("root", WRONG, path=admin_login)

    client, response = _login("root", GOOD, path=admin_login)
    assert _locked_out(response, "2026-03-02 10:15")
    assert not _logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302  # back to the login


def test_a_lockout_is_logged_and_recorded(frozen: object, caplog: pytest.LogCaptureFixture) -> None:
    user_create(username="alice", roles=["agent"], password=GOOD)
    with caplog.at_level(logging.WARNING, logger="closeloop.security"):
        for _ in range(6):
            _login("alice", WRONG, address="10.1.2.3")
    locked = [r for r in caplog.records if r.name == "closeloop.security"]
    assert len(locked) == 2  # the fifth failure locks; the sixth is refused while locked
    first = locked[0].getMessage()
    assert "locked out" in first and "alice" in first and "10.1.2.3" in first
    assert "2026-03-02 10:15" in first
    assert "refused" in locked[1].getMessage()
    assert WRONG not in caplog.text

    from axes.models import AccessAttempt, AccessFailureLog

    from closeloop.directory.services import user_unlock

    attempt = AccessAttempt.objects.get(username="alice", ip_address="10.1.2.3")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="alice", locked_out=True).count() == 1

    with caplog.at_level(logging.WARNING, logger="closeloop.security"):
        user_unlock("alice")
    assert "login unlocked: username='alice' records=1" in caplog.text


def _lock(username: str, address: str = "127.0.0.1") -> None:
    for _ in range(5):
        _login(username, WRONG, address=address)
    assert _login(username, GOOD, address=address)[1].status_code == 429


def test_an_admin_unlocks_in_the_admin(frozen: object) -> None:
    user_create(username="alice", roles=["agent"], password=GOOD)
    _lock("alice")
    admin = Client()
    admin.force_login(user_create(username="root", roles=["admin"], password=GOOD))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "alice" in admin.get(changelist).content.decode()

    from axes.models import AccessAttempt

    ids = [
        str(pk)
        for pk in AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True)
    ]
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    client, response = _login("alice", GOOD)
    assert response.status_code == 302 and _logged_in(client)


def test_closeloop_user_unlock(frozen: object, capsys: pytest.CaptureFixture[str]) -> None:
    user_create(username="alice", roles=["agent"], password=GOOD)
    _lock("alice")
    _lock("alice", address="10.0.0.7")

    assert main(["user", "unlock", "alice"]) == 0
    out, err = capsys.readouterr()
    assert out == "Unlocked alice: cleared 2 records of failed log-ins.\n"
    assert "closeloop: error" not in err  # the security log's line may be there
    for address in ("127.0.0.1", "10.0.0.7"):
        client, response = _login("alice", GOOD, address=address)
        assert response.status_code == 302 and _logged_in(client)

    assert main(["user", "unlock", "alice"]) == 0
    assert capsys.readouterr().out == "alice had no failed log-ins to clear.\n"
    assert main(["user", "unlock", "nobody"]) == 1
    assert capsys.readouterr().err == "closeloop: error: Unknown user 'nobody'.\n"


def _gets_in(username: str, address: str) -> bool:
    client, response = _login(username, GOOD, address=address)
    return response.status_code == 302 and _logged_in(client)


def test_one_attacker_locks_no_more_than_the_policy_says(frozen: object) -> None:
    for name in ("alice", "bob", "carol", "dave"):
        user_create(username=name, roles=["agent"], password=GOOD)
    attacker = "10.0.0.1"

    # Five wrong passwords for alice lock alice at that address, and nothing else.
    for _ in range(5):
        _login("alice", WRONG, address=attacker)
    assert not _gets_in("alice", attacker)
    assert _gets_in("bob", attacker)  # someone else at the same address
    assert _gets_in("alice", "10.0.0.2")  # alice elsewhere

    # Twenty failures from one address, whatever the names, lock that address.
    for name in ("x1", "x2", "x3"):
        for _ in range(5):
            _login(name, WRONG, address=attacker)
    assert not _gets_in("bob", attacker)
    assert _gets_in("bob", "10.0.0.3")

    # Thirty failures for one account, from six addresses, lock the account everywhere.
    for n in range(6):
        for _ in range(5):
            _login("carol", WRONG, address=f"10.0.1.{n}")
    assert not _gets_in("carol", "10.0.2.1")
    assert _gets_in("dave", "10.0.2.1")
