"""Console lines in Discord (:mod:`bot.console_output`) and the live console's edit pacing
(:class:`bot.edit_pacing.EditPacer`): pure functions, checked on their edges."""

from __future__ import annotations

import doctest
import re

import pytest

import bot.console_output
import bot.edit_pacing
from bot.console_output import FENCE, LINE_MAX, clean_line, code_block
from bot.edit_pacing import EditPacer


def test_the_docstring_examples_hold() -> None:
    for module in (bot.console_output, bot.edit_pacing):
        failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0, module.__name__


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[1;31mred\x1b[0m text", "red text"),
        ("a\tb", "a    b"),
        ("nul\x00 bell\x07 del\x7f", "nul bell del"),
        ("zero\u200bwidth \u202eover\u2066ride", "zerowidth override"),
        ("trailing   ", "trailing"),
        ("``", "`\u200b`"),
        ("a ``` b", "a `\u200b`\u200b` b"),
        ("single ` tick", "single ` tick"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_a_long_line_is_cut_with_an_ellipsis() -> None:
    line = clean_line("x" * 1000)
    assert len(line) == LINE_MAX and line.endswith("…")


def test_no_block_can_be_closed_from_inside() -> None:
    lines = ["```", "````", "`" * 7, "x```", "```y", "end`"]
    block = code_block(lines)
    assert len(re.findall("```", block)) == 2
    assert block.startswith(FENCE + "\n") and block.endswith("\n" + FENCE)


@pytest.mark.parametrize("keep", ["head", "tail"])
def test_the_budget_is_never_passed(keep: str) -> None:
    for width in (1, 50, 299, 300, 5000):
        for count in (1, 5, 20, 21, 500):
            block = code_block(["y" * width] * count, keep=keep, max_chars=1900)  # type: ignore[arg-type]
            assert len(block) <= 1900, (width, count)
            assert block.count("\n") <= 20 + 2 + 1


def test_head_keeps_the_first_lines_and_counts_the_rest() -> None:
    block = code_block([f"line {n}" for n in range(30)])
    assert "line 0" in block and "line 19" in block and "line 20" not in block
    assert block.endswith("``\n… 10 more lines")


def test_tail_keeps_the_latest_lines() -> None:
    block = code_block([f"line {n}" for n in range(30)], keep="tail")
    assert "line 29" in block and "line 10" in block and "line 9\n" not in block
    assert block.startswith("… 10 earlier lines\n")
    assert code_block([f"line {n}" for n in range(30)], keep="tail", note=False).startswith(FENCE)


def test_counts_lines_left_out_before() -> None:
    assert code_block(["a"], omitted=4).endswith("… 4 more lines")
    assert code_block(["a", "b"], max_lines=1, omitted=1).endswith("… 2 more lines")


def test_empty_output() -> None:
    assert code_block([]) == ""
    assert code_block(["", "   ", "\x1b[0m"]) == ""


def test_pacing_widens_after_a_slow_edit_and_comes_back() -> None:
    pacer = EditPacer(2.0, widest=30.0, slow=1.0)
    assert pacer.finished(0.05) == 2.0
    assert pacer.finished(1.5) == 4.0
    assert pacer.finished(6.0) == 12.0
    assert pacer.finished(20.0) == 30.0  # never wider than ``widest``
    assert [pacer.finished(0.05) for _ in range(5)] == [15.0, 7.5, 3.75, 2.0, 2.0]
