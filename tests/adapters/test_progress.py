"""Progress on stderr (issue 24): shown once a run has taken 2 seconds, only on a terminal
outside CI and for text output, rewritten in place and cleared at the end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from macslint.adapters import cli, progress as progress_module
from macslint.adapters.progress import DELAY, TerminalProgress, progress_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_shown_before_the_delay_then_each_file_in_place():
    stream, clock = Terminal(), Clock()
    shown = TerminalProgress(stream, clock)
    shown.planned(3)
    shown.done()
    assert stream.getvalue() == ""
    clock.now += DELAY
    shown.done()
    shown.planned(10)  # the files importing them, found next
    shown.done()
    assert stream.getvalue() == ("\rmacslint: 2/3 files\rmacslint: 2/13 files"
                                 "\rmacslint: 3/13 files")
    shown.close()
    assert stream.getvalue().endswith("\r" + " " * len("macslint: 3/13 files") + "\r")


def test_a_quick_run_writes_nothing_even_when_closed():
    stream = Terminal()
    shown = TerminalProgress(stream, Clock())
    shown.planned(1)
    shown.done()
    shown.close()
    assert stream.getvalue() == ""


@pytest.mark.parametrize("stream, machine, ci, expected", [
    (Terminal(), False, None, True),
    (Terminal(), True, None, False),  # json, sarif...: read by a program
    (Terminal(), False, "true", False),  # a CI log
    (io.StringIO(), False, None, False),  # redirected to a file or a pipe
])
def test_shown_only_where_a_person_watches(monkeypatch, stream, machine, ci, expected):
    monkeypatch.delenv("CI", raising=False)
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    assert (progress_for(stream, machine) is not None) is expected


def test_a_cli_run_on_a_terminal_shows_progress_and_leaves_the_line_clean(monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    monkeypatch.chdir(FIXTURES)
    assert cli.main(["report", "--no-cache", "-j", "1", "lenet.py", "vgg.py"]) == 0
    written = terminal.getvalue()
    assert "\rmacslint: 1/2 files" in written and "\rmacslint: 2/2 files" in written
    assert written.endswith("\r" + " " * len("macslint: 2/2 files") + "\r")
    assert capsys.readouterr().out.startswith("2 models in 2 files")
