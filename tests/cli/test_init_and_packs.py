"""`closeloop init` and `closeloop pack …`, against a small pack written by the test."""

from pathlib import Path

import pytest
from django.conf import LazySettings

from closeloop.cli import main
from closeloop.directory.models import Department, DutyRota, User
from closeloop.policy.models import Category, PolicyPack

pytestmark = pytest.mark.django_db

MINI_PACK = """\
name: mini
title: 迷你热线
version: "1.0"
source:
  - file: example.txt
kinds: [consultation, complaint]
channels: [phone, web]
urgency:
  levels:
    - {code: normal, name: 普通}
    - {code: urgent, name: 加急}
departments:
  - code: centre
    name: 服务中心
    children:
      - {code: billing, name: 收费科}
categories:
  - {code: fees, name: 收费, department: billing}
time_limits:
  - {milestone: resolve, amount: 5, unit: working_days}
demo:
  people:
    - {username: demo-agent, display_name: 座席甲, roles: [agent, inspector],
       password: agent-pass-1}
    - {username: demo-liaison, display_name: 联络员甲, roles: [liaison], department: billing,
       password: liaison-pass-1}
    - {username: demo-handler, display_name: 承办人甲, roles: [handler], department: billing,
       password: handler-pass-1}
    - {username: demo-boss, display_name: 主管甲, roles: [supervisor, leader, admin],
       password: boss-pass-1}
  duty_rota:
    - {weekday: mon, username: demo-liaison, department: billing}
"""


@pytest.fixture
def packs_dir(tmp_path: Path, settings: LazySettings) -> Path:
    folder = tmp_path / "packs"
    (folder / "mini").mkdir(parents=True)
    (folder / "mini" / "pack.yaml").write_text(MINI_PACK, encoding="utf-8")
    broken = folder / "broken"
    broken.mkdir()
    (broken / "pack.yaml").write_text(
        MINI_PACK.replace("name: mini", "name: broken") + "colour: blue\n",
        encoding="utf-8",
    )
    settings.PACKS_DIR = folder
    settings.DEFAULT_PACK = "mini"
    settings.DEMO_TICKETS = 20  # a short history: the demo's own tests replay the long one
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.STATIC_ROOT = tmp_path / "data" / "static"
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot() -> tuple[int, ...]:
    return (
        PolicyPack.objects.count(),
        Department.objects.count(),
        Category.objects.count(),
        User.objects.count(),
        DutyRota.objects.count(),
    )


class TestInit:
    def test_demo_prints_the_url_and_logins(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path, tmp_path: Path
    ) -> None:
        code, out, err = run(capsys, "init", "--demo")
        assert (code, err) == (0, ""), err
        assert "Policy pack: mini 1.0 — 迷你热线" in out
        assert "http://127.0.0.1:8000/" in out
        assert "demo-agent    agent-pass-1    agent, inspector" in out
        assert "demo-handler  handler-pass-1  handler  [billing]" in out
        assert (tmp_path / "data" / "static" / "admin").is_dir()  # collectstatic ran

        assert PolicyPack.objects.get(is_active=True).name == "mini"
        assert Department.objects.get(code="billing").parent.code == "centre"
        handler = User.objects.get(username="demo-handler")
        assert handler.check_password("handler-pass-1") and handler.role_set == {"handler"}
        assert User.objects.get(username="demo-boss").is_superuser
        assert DutyRota.objects.filter(user__username="demo-liaison").count() == 4

    def test_second_run_changes_nothing_and_still_prints_logins(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        assert run(capsys, "init", "--demo")[0] == 0
        before = snapshot()
        code, out, _err = run(capsys, "init", "--demo")
        assert code == 0
        assert snapshot() == before
        assert "demo-liaison  liaison-pass-1  liaison  [billing]" in out

    def test_without_demo_creates_no_people(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, out, _err = run(capsys, "init")
        assert code == 0
        assert "Demo logins" not in out
        assert not User.objects.exists()
        assert Department.objects.filter(code="centre").exists()

    def test_unknown_pack_writes_nothing(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        before = snapshot()
        code, out, err = run(capsys, "init", "--pack", "nowhere", "--demo")
        assert code == 1 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("closeloop: error: ")
        assert "nowhere" in lines[0]
        assert snapshot() == before

    def test_demo_failure_rolls_back_the_pack(
        self,
        capsys: pytest.CaptureFixture[str],
        packs_dir: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from closeloop.common.errors import ValidationFailed
        from closeloop.directory import services

        real_user_create = services.user_create

        def refuse_the_handler(**kwargs: object) -> User:
            if kwargs["username"] == "demo-handler":
                raise ValidationFailed("refused for the test")
            return real_user_create(**kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(services, "user_create", refuse_the_handler)
        code, out, err = run(capsys, "init", "--demo")
        assert code == 1 and out == ""
        assert err == "closeloop: error: refused for the test\n"
        # Migrations stand; the pack, its departments and the demo people do not.
        assert snapshot() == (0, 0, 0, 0, 0)


class TestPack:
    def test_list_marks_the_active_pack(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, out, _err = run(capsys, "pack", "list")
        assert code == 0
        assert "  mini" in out and "迷你热线" in out and "broken" in out
        run(capsys, "pack", "load", "mini")
        out = run(capsys, "pack", "list")[1]
        assert "* mini" in out

    def test_validate_a_good_pack(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        path = str(packs_dir / "mini")
        code, out, err = run(capsys, "pack", "validate", path)
        assert (code, err) == (0, "")
        assert out == f"{path}: valid policy pack mini 1.0 — 迷你热线\n"
        assert not PolicyPack.objects.exists()  # validating loads nothing

    def test_validate_reports_the_problem_on_one_line(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, out, err = run(capsys, "pack", "validate", str(packs_dir / "broken"))
        assert code == 1 and out == ""
        assert err.count("\n") == 1
        assert err.startswith("closeloop: error: ")
        assert "unknown field 'colour'" in err

    def test_validate_a_missing_path(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, _out, err = run(capsys, "pack", "validate", str(packs_dir / "nope"))
        assert code == 1
        assert err.count("\n") == 1 and "no such file" in err

    def test_load_makes_it_active(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, out, _err = run(capsys, "pack", "load", "mini")
        assert code == 0
        assert out == "Loaded policy pack mini 1.0 — 迷你热线; it is now active.\n"
        assert Category.objects.get(code="fees").department.code == "billing"

    def test_load_unknown_writes_nothing(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, _out, err = run(capsys, "pack", "load", "nowhere")
        assert code == 1
        assert err.count("\n") == 1 and "nowhere" in err and "mini" in err
        assert snapshot() == (0, 0, 0, 0, 0)

    def test_load_broken_writes_nothing(
        self, capsys: pytest.CaptureFixture[str], packs_dir: Path
    ) -> None:
        code, _out, err = run(capsys, "pack", "load", "broken")
        assert code == 1
        assert "unknown field 'colour'" in err
        assert snapshot() == (0, 0, 0, 0, 0)
