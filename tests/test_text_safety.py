"""Export escaping: spreadsheet formulas are neutralised however their first character is written."""

from config.text_safety import csv_safe


def test_a_fullwidth_equals_sign_is_neutralised_like_an_ascii_one():
    assert csv_safe('\uff1dHYPERLINK("http://evil")') == '\'\uff1dHYPERLINK("http://evil")'
    assert csv_safe("\uff0b1") == "'\uff0b1"


def test_ordinary_text_and_numbers_pass_unchanged():
    assert csv_safe("GPTQ") == "GPTQ"
    assert csv_safe(3.5) == 3.5
    assert csv_safe("=1+1") == "'=1+1"
