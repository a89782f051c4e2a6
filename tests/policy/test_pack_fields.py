"""A pack declares its own fields (户号, 纳税人识别号, plate number…) and whether registering a
call accepts it; the loader checks the declarations, and `policy.fields` checks the values."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from closeloop.common.errors import ValidationFailed
from closeloop.policy.fields import field_search_text, field_values_clean
from closeloop.policy.services import PackInvalid, pack_parse, pack_read
from tests.policy.test_pack_validation import VALID, refusal

FIELDS = [
    {
        "code": "account_no",
        "label": "户号",
        "pattern": r"^[0-9]{10}$",
        "identifies": True,
        "key": True,
        "required": ["complaint"],
        "help": "10位数字",
    },
    {"code": "plate_no", "label": "车牌号", "upper": True, "max_length": 8},
    {"code": "amount", "label": "金额", "type": "number", "min": 0, "max": 1000},
    {"code": "due", "label": "约定日期", "type": "date", "kinds": ["complaint"]},
    {
        "code": "rescue",
        "label": "救援类型",
        "type": "choice",
        "choices": [{"code": "tow", "name": "拖车"}, {"code": "fuel", "name": "送油"}],
    },
]


def with_fields(data: dict[str, Any], fields: list[dict[str, Any]] | None = None) -> None:
    data["fields"] = copy.deepcopy(FIELDS if fields is None else fields)


def spec_with_fields() -> Any:
    data = copy.deepcopy(VALID)
    with_fields(data)
    data["accept_on_register"] = {"channels": ["phone"], "kinds": ["complaint"]}
    return pack_parse(data, "mini")


# --------------------------------------------------------------------------- declarations


def test_fields_and_accept_on_register_read(tmp_path: Path) -> None:
    spec = spec_with_fields()
    assert [f.code for f in spec.fields] == ["account_no", "plate_no", "amount", "due", "rescue"]
    account = spec.field("account_no")
    assert account is not None and account.required_for("complaint")
    assert not account.required_for("report")
    assert spec.accepts_on_register("complaint", "phone")
    assert not spec.accepts_on_register("report", "phone")
    assert not spec.accepts_on_register("complaint", "visit")


def test_duplicate_field_code(tmp_path: Path) -> None:
    message = refusal(
        tmp_path, lambda d: with_fields(d, [FIELDS[0], {**FIELDS[1], "code": "account_no"}])
    )
    assert message == "fields[1].code: duplicate field 'account_no' (first at fields[0])"


def test_invalid_regex(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda d: with_fields(d, [{**FIELDS[0], "pattern": "^[0-9"}]))
    assert message.startswith("fields[0].pattern: '^[0-9' is not a valid regular expression")


def test_field_kind_not_in_the_pack(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda d: with_fields(d, [{**FIELDS[0], "kinds": ["help"]}]))
    assert "fields[0].kinds[0]: kind 'help' is not among this pack's kinds" in message
    message = refusal(
        tmp_path, lambda d: with_fields(d, [{**FIELDS[0], "required": ["consultation"]}])
    )
    assert message == "fields[0].required[0]: kind 'consultation' is not among this pack's kinds"


def test_unknown_kind_in_a_field(tmp_path: Path) -> None:
    message = refusal(tmp_path, lambda d: with_fields(d, [{**FIELDS[0], "kinds": ["moan"]}]))
    assert message.startswith("fields[0].kinds[0]: unknown kind 'moan'")


def test_required_for_a_kind_that_does_not_record_it(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        lambda d: with_fields(d, [{**FIELDS[0], "kinds": ["report"], "required": ["complaint"]}]),
    )
    assert message == (
        "fields[0].required[0]: the field is not recorded for kind 'complaint' (see its kinds)"
    )


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ({"code": "Account", "label": "户号"}, "'Account' is not a valid field code"),
        ({"code": "x", "label": "x", "type": "money"}, "'money' is not one of text, number"),
        ({"code": "x", "label": "x", "type": "number", "pattern": "^1$"}, "pattern only applies"),
        ({"code": "x", "label": "x", "min": 1}, "min only applies to number fields"),
        ({"code": "x", "label": "x", "type": "choice"}, "a choice field needs its choices"),
        (
            {"code": "x", "label": "x", "choices": [{"code": "a", "name": "甲"}]},
            "choices only apply to choice fields",
        ),
        (
            {
                "code": "x",
                "label": "x",
                "type": "choice",
                "choices": [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}],
            },
            "duplicate choice code(s): a",
        ),
        ({"code": "x", "label": "x", "min_length": 5, "max_length": 3}, "min_length 5 is"),
        ({"code": "x", "label": "x", "type": "number", "min": 5, "max": 3}, "min 5 is greater"),
        ({"code": "x", "label": "x", "max_length": 500}, "less than or equal to 200"),
    ],
)
def test_options_must_fit_the_field(tmp_path: Path, field: dict, problem: str) -> None:
    assert problem in refusal(tmp_path, lambda d: with_fields(d, [field]))


def test_accept_on_register_channels_and_kinds_exist_in_the_pack(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        lambda d: d.update(accept_on_register={"channels": ["web"], "kinds": ["praise"]}),
    )
    assert "accept_on_register.kinds[0]: kind 'praise' is not among this pack's kinds" in message
    assert "accept_on_register.channels[0]: channel 'web' is not among this pack's channels" in (
        message
    )
    assert "accept_on_register: missing field 'channels'" in refusal(
        tmp_path, lambda d: d.update(accept_on_register={"kinds": ["complaint"]})
    )


def test_every_problem_in_the_fields_is_named(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    with_fields(data, [{**FIELDS[0], "kinds": ["help"]}, {**FIELDS[1], "code": "account_no"}])
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PackInvalid) as caught:
        pack_read(folder)
    paths = [p["path"] for p in caught.value.details["problems"]]
    assert "fields[0].kinds[0]" in paths and "fields[1].code" in paths


# --------------------------------------------------------------------------- values


def clean(kind: str = "complaint", require: bool = True, **raw: Any) -> Any:
    return field_values_clean(spec_with_fields(), kind, raw, require=require)


def problems(kind: str = "complaint", require: bool = True, **raw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        clean(kind, require, **raw)
    return caught.value.details["fields"]


def test_values_are_stored_in_one_form() -> None:
    values = clean(account_no=" 0101234567 ", plate_no="闽c12345", amount="12.50", due="2026-11-23")
    assert values.identity == {"account_no": "0101234567"}
    assert values.open == {"plate_no": "闽C12345", "amount": "12.5", "due": "2026-11-23"}
    assert clean(account_no="0101234567", amount=100).open == {"amount": "100"}
    assert clean(account_no="0101234567", rescue="tow").open == {"rescue": "tow"}


def test_values_not_in_the_fields_form_are_refused_by_name() -> None:
    found = problems(
        account_no="12345",
        plate_no="闽C123456789",
        amount="lots",
        due="23/11/2026",
        rescue="swim",
        colour="红",
    )
    assert found["account_no"] == ["户号 is not in the expected form: 10位数字"]
    assert found["plate_no"] == ["车牌号 must be at most 8 characters"]
    assert found["amount"] == ["金额 must be a number"]
    assert found["due"] == ["约定日期 must be a date, YYYY-MM-DD"]
    assert found["rescue"] == ["救援类型 must be one of: tow (拖车), fuel (送油)"]
    assert found["colour"][0].startswith("unknown field 'colour'")
    assert problems(account_no="0101234567", amount="1001")["amount"] == [
        "金额 must be at most 1000"
    ]
    assert problems(account_no="0101234567", amount="NaN")["amount"] == ["金额 must be a number"]
    assert "between 1990-01-01" in problems(account_no="0101234567", due="1900-01-01")["due"][0]
    assert problems(account_no="0101\n234567")["account_no"] == ["户号 must be one line of text"]


def test_required_per_kind_and_recorded_per_kind() -> None:
    assert problems()["account_no"] == ["户号 is required"]
    assert clean("report").open == {}  # not required for a report
    # The public portal does not ask for these fields: nothing is required of it.
    assert clean(require=False).identity == {}
    # A date is recorded for complaints only.
    assert problems("report", due="2026-11-23")["due"] == [
        "约定日期 is not recorded for this kind of case"
    ]


def test_search_text_holds_values_and_choice_names() -> None:
    spec = spec_with_fields()
    text = field_search_text(spec, {"plate_no": "闽C12345", "rescue": "tow"})
    assert text == "闽C12345\ntow\n拖车"


# --------------------------------------------------------------------------- shipped packs


@pytest.mark.parametrize(
    ("pack", "codes"),
    [
        ("power-95598", ["account_no"]),
        ("tax-hotline-12366", ["taxpayer_id", "reported_taxpayer_id"]),
        ("tax-service-outsourcing", ["taxpayer_id"]),
        ("finance-tax-firm", ["taxpayer_id"]),
        ("car-dealer", ["plate_no", "vin"]),
        ("road-rescue", ["plate_no", "vin", "vehicle_location"]),
        ("letters-and-visits", []),
    ],
)
def test_shipped_packs_declare_the_keys_their_organisations_use(pack: str, codes: list) -> None:
    spec = pack_read(Path("packs") / pack)
    assert [f.code for f in spec.fields] == codes


def test_shipped_keys_take_real_values() -> None:
    rescue = pack_read(Path("packs/road-rescue"))
    values = field_values_clean(
        rescue,
        "help",
        {"plate_no": "闽c12345", "vin": "lsvnv2189e2123456", "vehicle_location": "G15K1234北向"},
    )
    assert values.identity == {"plate_no": "闽C12345", "vin": "LSVNV2189E2123456"}
    with pytest.raises(ValidationFailed) as caught:
        field_values_clean(rescue, "help", {"plate_no": "闽C12345"})
    assert caught.value.details["fields"] == {"vehicle_location": ["车辆位置 is required"]}
    hotline = pack_read(Path("packs/tax-hotline-12366"))
    values = field_values_clean(hotline, "report", {"reported_taxpayer_id": "91350200m000100y4x"})
    # The reported taxpayer's number is for the department to investigate: not masked.
    assert values.open == {"reported_taxpayer_id": "91350200M000100Y4X"}
    assert field_values_clean(
        pack_read(Path("packs/power-95598")), "complaint", {"account_no": "0123456789"}
    ).identity == {"account_no": "0123456789"}
    assert hotline.accepts_on_register("report", "phone")
    assert not hotline.accepts_on_register("report", "web")
    assert rescue.accepts_on_register("help", "visit")
