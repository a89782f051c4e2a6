"""The `closeloop` command, called in-process: output, exit codes, one-line errors."""

import pytest
from rest_framework.authtoken.models import Token

from closeloop.cli import main
from closeloop.directory.models import Department, User
from closeloop.directory.services import department_create, user_create

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("closeloop: error: ")
    assert fragment in lines[0]


class TestUsage:
    def test_no_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys)
        assert code == 2
        assert_one_line_error(err, "required: COMMAND")

    def test_unknown_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "frobnicate")
        assert code == 2
        assert_one_line_error(err, "invalid choice: 'frobnicate'")

    def test_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _err = run(capsys, "--help")
        assert code == 0
        for command in ("init", "run", "user", "token", "pack", "department"):
            assert command in out

    def test_bad_port_type(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "run", "--port", "eighty")
        assert code == 2
        assert_one_line_error(err, "invalid int value: 'eighty'")


class TestDepartmentAdd:
    def test_adds_a_tree(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "department", "add", "hq", "总部")
        assert (code, err) == (0, "")
        assert out == "Created department hq 总部.\n"
        code, out, _err = run(capsys, "department", "add", "hq-tax", "税政科", "--parent", "hq")
        assert code == 0
        assert "under hq" in out
        assert Department.objects.get(code="hq-tax").parent.code == "hq"

    def test_unknown_parent(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "department", "add", "a", "A", "--parent", "nowhere")
        assert code == 1 and out == ""
        assert_one_line_error(err, "Unknown department 'nowhere'.")
        assert not Department.objects.exists()

    def test_duplicate(self, capsys: pytest.CaptureFixture[str]) -> None:
        department_create(code="hq", name="总部")
        code, _out, err = run(capsys, "department", "add", "hq", "Other")
        assert code == 1
        assert_one_line_error(err, "Department 'hq' already exists.")
        assert Department.objects.get().name == "总部"

    def test_bad_code(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "department", "add", "a b", "A")
        assert code == 1
        assert_one_line_error(err, "Invalid department code 'a b'")
        assert not Department.objects.exists()

    def test_missing_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "department", "add", "hq")
        assert code == 2
        assert_one_line_error(err, "the following arguments are required: name")


class TestUserAdd:
    def test_several_roles_with_department(self, capsys: pytest.CaptureFixture[str]) -> None:
        department_create(code="hq", name="总部")
        code, out, err = run(
            capsys,
            "user",
            "add",
            "lia",
            "--role",
            "liaison",
            "--role",
            "handler",
            "--department",
            "hq",
            "--password",
            "s3cret-pass",
        )
        assert (code, err) == (0, "")
        assert out == "Created user lia (handler, liaison) in hq.\n"
        user = User.objects.get(username="lia")
        assert user.role_set == {"liaison", "handler"}
        assert user.check_password("s3cret-pass")

    def test_without_password_hints_at_token(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _err = run(capsys, "user", "add", "bot", "--role", "agent")
        assert code == 0
        assert "closeloop token bot" in out
        assert not User.objects.get().has_usable_password()

    def test_unknown_role(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "user", "add", "u", "--role", "agent", "--role", "boss")
        assert code == 1 and out == ""
        assert_one_line_error(err, "Unknown role 'boss'; roles are: agent, liaison")
        assert not User.objects.exists()

    def test_unknown_department(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "user", "add", "u", "--role", "handler", "--department", "x")
        assert code == 1
        assert_one_line_error(err, "Unknown department 'x'.")
        assert not User.objects.exists()

    def test_handler_needs_department(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "user", "add", "u", "--role", "handler")
        assert code == 1
        assert_one_line_error(err, "The role 'handler' needs a department.")
        assert not User.objects.exists()

    def test_duplicate_user(self, capsys: pytest.CaptureFixture[str]) -> None:
        user_create(username="u", roles=["agent"], password="first-pass")
        code, _out, err = run(capsys, "user", "add", "u", "--role", "admin", "--password", "x" * 9)
        assert code == 1
        assert_one_line_error(err, "User 'u' already exists.")
        user = User.objects.get()
        assert user.role_set == {"agent"} and user.check_password("first-pass")

    def test_weak_password(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "user", "add", "u", "--role", "agent", "--password", "abc")
        assert code == 1
        assert_one_line_error(err, "Password refused")
        assert not User.objects.exists()

    def test_role_is_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _out, err = run(capsys, "user", "add", "u")
        assert code == 2
        assert_one_line_error(err, "the following arguments are required: --role")
        assert not User.objects.exists()


class TestUserAddLevel:
    """A responsible level is checked against the loaded pack's levels (the CLI reads the pack;
    the directory does not)."""

    @pytest.mark.parametrize("pack_name", ["power-95598"])
    def test_level_of_the_pack(self, capsys: pytest.CaptureFixture[str], pack: object) -> None:
        code, out, _err = run(capsys, "user", "add", "head", "--role", "leader", "--level", "1")
        assert code == 0, out
        assert User.objects.get(username="head").responsible_level == 1

    @pytest.mark.parametrize("pack_name", ["power-95598"])
    def test_unknown_level_and_wrong_role(
        self, capsys: pytest.CaptureFixture[str], pack: object
    ) -> None:
        code, _out, err = run(capsys, "user", "add", "x", "--role", "leader", "--level", "4")
        assert code != 0
        assert_one_line_error(err, "no responsible level 4 (its levels: 1)")
        code, _out, err = run(capsys, "user", "add", "y", "--role", "agent", "--level", "1")
        assert code != 0
        assert_one_line_error(err, "Responsible level 1 is held by a leader")
        assert not User.objects.filter(username__in=["x", "y"]).exists()


class TestToken:
    def test_prints_the_same_token_twice(self, capsys: pytest.CaptureFixture[str]) -> None:
        user_create(username="u", roles=["agent"])
        code, out, err = run(capsys, "token", "u")
        assert (code, err) == (0, "")
        key = out.strip()
        assert Token.objects.get().key == key
        assert run(capsys, "token", "u")[1].strip() == key

    def test_unknown_user(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "token", "ghost")
        assert code == 1 and out == ""
        assert_one_line_error(err, "Unknown user 'ghost'.")
        assert not Token.objects.exists()


def test_unexpected_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**_kwargs: object) -> None:
        raise RuntimeError("disk full\nsecond line")

    monkeypatch.setattr("closeloop.directory.services.department_create", boom)
    code, _out, err = run(capsys, "department", "add", "a", "A")
    assert code == 1
    assert_one_line_error(err, "RuntimeError: disk full; second line")
