"""Tests of ui/stepper: the segment stepper's Python side (its browser side is driven by
tests/test_segments_browser.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

import ui.stepper as stepper_module


@pytest.fixture
def state(monkeypatch):
    fake = SimpleNamespace(session_state={})
    monkeypatch.setattr(stepper_module, "st", fake)
    return fake.session_state


def test_a_choice_sent_by_the_component_becomes_the_index(state):
    calls = []
    state["seg_picked"] = {"i": 3, "seq": 7}
    stepper_module._picked("seg", 10, lambda: calls.append(state["seg"]))
    assert state["seg"] == 3 and calls == [3]


@pytest.mark.parametrize(("sent", "kept"), [(-4, 0), (12, 9)])
def test_a_choice_out_of_range_is_clipped(state, sent, kept):
    state["seg_picked"] = {"i": sent, "seq": 1}
    stepper_module._picked("seg", 10, None)
    assert state["seg"] == kept


@pytest.mark.parametrize("junk", [None, "3", {"i": "3"}, {"seq": 2}, {"i": 2.5}])
def test_anything_else_changes_nothing(state, junk):
    state["seg"], state["seg_picked"] = 4, junk
    stepper_module._picked("seg", 10, lambda: pytest.fail("called"))
    assert state["seg"] == 4


def _script():
    import streamlit as st

    from ui.stepper import stepper

    labels = ["a", "b", "c"]
    st.write(f"chosen {stepper(labels, key='seg')}")


def test_the_stepper_draws_the_kept_choice_and_returns_it():
    at = AppTest.from_function(_script)
    at.session_state["seg"] = 2
    at.run()
    assert not at.exception and at.markdown[0].value == "chosen 2"
    at.session_state["seg"] = 7  # kept from a longer clip: clipped to the last choice
    at.run()
    assert at.markdown[0].value == "chosen 2" and at.session_state["seg"] == 2


def test_no_labels_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one label"):
        stepper_module.stepper([], key="seg")
