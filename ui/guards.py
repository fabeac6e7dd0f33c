"""Keep a page usable when one part of it fails on the user's input."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from mgc_core.errors import MGCError


@contextlib.contextmanager
def shows_errors() -> Iterator[None]:
    """Show an :class:`~mgc_core.errors.MGCError` raised inside the block with ``st.error``.

    The rest of the page goes on rendering; only the failing block is replaced by
    the message, which says what is wrong and what to do.
    """
    try:
        yield
    except MGCError as err:
        st.error(str(err))
