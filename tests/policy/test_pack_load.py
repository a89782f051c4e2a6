"""pack_load writes departments and categories, activates one pack, and is all-or-nothing."""

from pathlib import Path

import pytest
import yaml

from closeloop.common.errors import NotFound
from closeloop.directory.models import Department
from closeloop.policy import services
from closeloop.policy.models import Category, PolicyPack
from closeloop.policy.services import (
    PackInvalid,
    pack_active,
    pack_canonical,
    pack_list,
    pack_load,
    pack_read,
)

PACK_NAMES = [
    "car-dealer",
    "finance-tax-firm",
    "letters-and-visits",
    "power-95598",
    "road-rescue",
    "tax-hotline-12366",
    "tax-service-outsourcing",
]


def test_pack_list_names_every_pack_folder():
    listed = pack_list()
    assert [name for name, _title, _version in listed] == PACK_NAMES
    assert ("road-rescue", "道路清障救援服务热线", "1.0") in listed


def test_load_writes_departments_and_categories(db):
    row = pack_load("road-rescue")
    assert (row.name, row.is_active, len(row.digest)) == ("road-rescue", True, 64)
    tow = Department.objects.get(code="tow-team")
    assert (tow.name, tow.parent.code) == ("拖车救援队", "rescue-ops")
    fee = Category.objects.get(code="towing-fee")
    assert (fee.name, fee.parent.code, fee.department.code) == (
        "拖车收费",
        "rescue-service",
        "billing",
    )
    assert Category.objects.get(code="rescue-service").parent is None


def test_reload_keeps_admins_edits_to_departments(db):
    pack_load("road-rescue")
    tow = Department.objects.get(code="tow-team")
    tow.name = "拖车一队(管理员改名)"
    tow.parent = Department.objects.get(code="customer-service")
    tow.save()
    pack_load("road-rescue")
    tow.refresh_from_db()
    assert tow.name == "拖车一队(管理员改名)"
    assert tow.parent.code == "customer-service"
    assert Department.objects.filter(code="tow-team").count() == 1


def test_only_one_pack_is_active(db):
    pack_load("road-rescue")
    second = pack_load("tax-hotline-12366")
    active = PolicyPack.objects.filter(is_active=True)
    assert list(active) == [second]
    assert pack_active().name == "tax-hotline-12366"
    # categories of the pack no longer loaded stay (tickets may use them) but are inactive
    assert Category.objects.get(code="towing-fee").is_active is False
    assert Category.objects.get(code="invoice").is_active is True


def test_data_and_digest_round_trip(db):
    row = pack_load("letters-and-visits")
    spec = pack_read(Path(services.settings.PACKS_DIR) / "letters-and-visits")
    data, digest = pack_canonical(spec)
    assert (row.data, row.digest) == (data, digest)
    assert pack_active() == spec


def test_pack_active_is_cached_by_digest(db, django_assert_num_queries):
    pack_load("car-dealer")
    first = pack_active()
    with django_assert_num_queries(1):  # only the digest is read
        assert pack_active() is first
    pack_load("power-95598")
    assert pack_active().name == "power-95598"


def test_no_pack_loaded(db):
    with pytest.raises(NotFound, match="no policy pack is loaded; run `closeloop init`"):
        pack_active()


def test_unknown_pack_name(db):
    with pytest.raises(NotFound, match="unknown policy pack 'nope'"):
        pack_load("nope")


def _counts():
    return (Department.objects.count(), Category.objects.count(), PolicyPack.objects.count())


def test_invalid_pack_writes_nothing(db, tmp_path):
    pack_load("car-dealer")
    before = _counts()
    data = yaml.safe_load((Path(services.settings.PACKS_DIR) / "road-rescue/pack.yaml").read_text())
    data["rules"][0]["set"]["department"] = "xyz"
    folder = tmp_path / "road-rescue"
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PackInvalid, match=r"rules\[0\]\.set\.department: unknown department 'xyz'"):
        pack_load(str(folder))
    assert _counts() == before
    assert pack_active().name == "car-dealer"


def test_failure_midway_rolls_everything_back(db, monkeypatch):
    pack_load("car-dealer")
    before = _counts()

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(PolicyPack.objects, "create", explode)
    with pytest.raises(RuntimeError):
        pack_load("road-rescue")
    assert _counts() == before
    assert not Department.objects.filter(code="tow-team").exists()
    assert PolicyPack.objects.get(is_active=True).name == "car-dealer"


def test_load_by_path(db):
    row = pack_load(str(Path(services.settings.PACKS_DIR) / "power-95598" / "pack.yaml"))
    assert row.name == "power-95598"


def test_folder_name_must_match_pack_name(db, tmp_path, settings):
    settings.PACKS_DIR = tmp_path
    source = Path(__file__).resolve().parents[2] / "packs" / "car-dealer" / "pack.yaml"
    (tmp_path / "dealer").mkdir()
    (tmp_path / "dealer" / "pack.yaml").write_text(source.read_text(encoding="utf-8"))
    with pytest.raises(PackInvalid, match="name: 'car-dealer' does not match its folder 'dealer'"):
        pack_load("dealer")


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_shipped_pack_loads(db, name):
    row = pack_load(name)
    assert row.is_active
    spec = pack_active()
    assert set(spec.department_codes()) <= set(Department.objects.values_list("code", flat=True))
    assert set(spec.category_codes()) <= set(Category.objects.values_list("code", flat=True))
