"""The README's codes table is generated from macslint/codes.py; keep them identical."""

from pathlib import Path

from macslint.codes import CODES, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_codes_table_matches_codes_module():
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- codes-table")
    start = text.index("\n", start) + 1
    end = text.index("<!-- end codes-table -->")
    assert text[start:end].strip() == markdown_table()


def test_every_code_fits_flake8s_prefix_rule():
    import re

    for code in CODES:
        assert re.fullmatch(r"MAC[0-9]{3}", code.code)
    assert re.fullmatch(r"^[A-Z]{1,3}[0-9]{0,3}$", "MAC")
