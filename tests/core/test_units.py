from __future__ import annotations

import pytest

from macslint.errors import ConfigError
from macslint.units import format_count, format_shape, parse_count, parse_shape

HINT = 'use an integer or a string like "500M" or "1.5G" (suffixes K, M, G, T)'


def count(value):
    return parse_count(value, key="max-layer-macs", source="pyproject.toml")


# ---------------------------------------------------------------- parse_count


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        (7, 7),
        (118013952, 118013952),
        (10**30, 10**30),
        ("0", 0),
        ("118013952", 118013952),
        ("500M", 500_000_000),
        ("500m", 500_000_000),
        ("1.5G", 1_500_000_000),
        ("1.5g", 1_500_000_000),
        ("2k", 2_000),
        ("2K", 2_000),
        ("3T", 3 * 10**12),
        ("3t", 3 * 10**12),
        ("1_000", 1_000),
        ("1_000_000K", 10**9),
        ("  42  ", 42),
        ("1.5 G", 1_500_000_000),
        ("1.2345M", 1_234_500),
        ("0.001K", 1),
        ("1.000K", 1000),
        (".5K", 500),
        # exactness: a float would lose the last digits here
        ("123456789.123456789123T", 123456789123456789123),
        ("9007199254740993", 9007199254740993),
    ],
)
def test_parse_count_valid(value, expected):
    result = count(value)
    assert result == expected
    assert type(result) is int


def test_parse_count_exact_message_bad_suffix():
    with pytest.raises(ConfigError) as info:
        count("12X")
    assert str(info.value) == f"pyproject.toml: max-layer-macs = '12X': not a count; {HINT}"


def test_parse_count_exact_message_fraction():
    with pytest.raises(ConfigError) as info:
        count("1.2345K")
    assert str(info.value) == (
        "pyproject.toml: max-layer-macs = '1.2345K': not a whole number (1234.5); "
        "use a whole count, e.g. fewer decimals or a smaller suffix"
    )


def test_parse_count_exact_message_negative_cli():
    with pytest.raises(ConfigError) as info:
        parse_count("-5M", key="--max-layer-macs", source="command line")
    assert str(info.value) == "command line: --max-layer-macs = '-5M': negative; use a count >= 0"
    with pytest.raises(ConfigError) as info:
        parse_count(-1, key="--max-layer-macs", source="command line")
    assert str(info.value) == "command line: --max-layer-macs = -1: negative; use a count >= 0"


def test_parse_count_exact_message_bool_and_float():
    with pytest.raises(ConfigError) as info:
        count(True)
    assert str(info.value) == f"pyproject.toml: max-layer-macs = True: a boolean is not a count; {HINT}"
    with pytest.raises(ConfigError) as info:
        count(1.0)
    assert str(info.value) == (
        f"pyproject.toml: max-layer-macs = 1.0: a float is not a count (it may not be exact); {HINT}"
    )


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        1.0,
        1.5e9,
        -1,
        "-1",
        "-1.5G",
        "",
        "   ",
        "12X",
        "KM",
        "M",
        "1MM",
        "1.5.2",
        "1e6",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "-inf",
        "1__000",
        "_1000",
        "1000_",
        "1_.5",
        "0x10",
        "1.2345K",
        "0.5",
        "1.0001K",
        None,
        [1],
        {"a": 1},
    ],
)
def test_parse_count_invalid(value):
    with pytest.raises(ConfigError) as info:
        count(value)
    message = str(info.value)
    assert message.startswith(f"pyproject.toml: max-layer-macs = {value!r}: ")
    assert "; " in message.split(": ", 2)[2]


def test_config_error_is_value_error():
    assert issubclass(ConfigError, ValueError)


# ---------------------------------------------------------------- format_count


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "0"),
        (1, "1"),
        (999, "999"),
        (1000, "1K"),
        (3000, "3K"),
        (1500, "1.5K"),
        (9408, "9.4K"),
        (1050, "1.0K"),  # half-even: 1.05 -> 1.0
        (1150, "1.2K"),  # half-even: 1.15 -> 1.2
        (1250, "1.2K"),  # half-even: 1.25 -> 1.2
        (1251, "1.3K"),
        (999_949, "999.9K"),
        (999_950, "1.0M"),  # rounds to 1000.0K -> next suffix
        (999_999, "1.0M"),
        (1_000_000, "1M"),
        (100_000_000, "100M"),
        (118_013_952, "118.0M"),
        (1_500_000_000, "1.5G"),
        (999_999_999, "1.0G"),
        (2 * 10**12, "2T"),
        (999_999_999_999_999, "1000.0T"),  # no suffix beyond T
        (1_500 * 10**12, "1500T"),
        (1_234_567 * 10**12, "1234567T"),
        (10**30 + 1, "1000000000000000000.0T"),
        (-9408, "-9.4K"),
        (-999, "-999"),
        (-3000, "-3K"),
    ],
)
def test_format_count(n, expected):
    assert format_count(n) == expected


def test_format_count_rejects_non_int():
    with pytest.raises(TypeError):
        format_count(1.5)  # type: ignore[arg-type]


def test_format_parse_roundtrip_for_whole_values():
    for n in (0, 999, 3000, 100_000_000, 1_500_000_000, 7 * 10**12, 1500 * 10**12):
        assert count(format_count(n)) == n


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3x224x224", (3, 224, 224)),
        ("3X224X224", (3, 224, 224)),
        ("3,224,224", (3, 224, 224)),
        (" 3 x 224 x 224 ", (3, 224, 224)),
        ("3, 224, 224", (3, 224, 224)),
        ("10", (10,)),
        ("1x1x1x1x1", (1, 1, 1, 1, 1)),
    ],
)
def test_parse_shape_valid(text, expected):
    assert parse_shape(text, key="--input-size", source="command line") == expected


def test_parse_shape_exact_messages():
    hint = 'use positive integers separated by "x" or ",", like "3x224x224"'
    with pytest.raises(ConfigError) as info:
        parse_shape("3x0x224", key="--input-size", source="command line")
    assert str(info.value) == (
        f"command line: --input-size = '3x0x224': dimension 2 is 0, not a positive integer; {hint}"
    )
    with pytest.raises(ConfigError) as info:
        parse_shape("", key="--input-size", source="command line")
    assert str(info.value) == f"command line: --input-size = '': empty; {hint}"
    with pytest.raises(ConfigError) as info:
        parse_shape("3xax4", key="--input-size", source="command line")
    assert str(info.value) == (
        f"command line: --input-size = '3xax4': dimension 2 'a' is not a positive integer; {hint}"
    )


@pytest.mark.parametrize(
    "text", ["", "  ", "x", "3x", "x3", "3xx3", "3x-1", "3x1.5", "3*3", "3;3", "a", "3x224x", "0", 3, None, [3, 4]]
)
def test_parse_shape_invalid(text):
    with pytest.raises(ConfigError) as info:
        parse_shape(text, key="input-size", source="cfg.toml")
    assert str(info.value).startswith(f"cfg.toml: input-size = {text!r}: ")


def test_format_shape():
    assert format_shape((3, 224, 224)) == "3x224x224"
    assert format_shape([7]) == "7"
    assert format_shape(()) == "scalar"
    assert parse_shape(format_shape((3, 32, 32)), key="k", source="s") == (3, 32, 32)
