"""Tests for ui/warmup.py: ``ast.parse`` is serialised before the warm-up thread starts."""

from __future__ import annotations

import ast
import sys
import threading

import pytest
from _apptest import ROOT


@pytest.fixture()
def warmup(monkeypatch):
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])
    monkeypatch.setattr(ast, "parse", ast.parse)  # restored after the test
    from ui import warmup

    return warmup


def test_serialised_parse_parses_and_is_installed_once(warmup):
    warmup.serialise_ast_parse()
    first = ast.parse
    warmup.serialise_ast_parse()
    assert ast.parse is first and first._mgc_serialised
    tree = ast.parse("x = [1, (2, {3: 4})]")
    assert isinstance(tree.body[0], ast.Assign)


def test_a_second_thread_waits_while_one_parses(warmup):
    """While the lock is held (a parse in progress), another thread's parse waits."""
    warmup.serialise_ast_parse()
    done = threading.Event()

    def parse() -> None:
        ast.parse("y = 1")
        done.set()

    with warmup.AST_LOCK:
        worker = threading.Thread(target=parse, daemon=True)
        worker.start()
        assert not done.wait(0.3)  # blocked behind the lock
    assert done.wait(10)
    worker.join(10)
