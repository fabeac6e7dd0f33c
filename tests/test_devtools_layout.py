"""Tests of the architecture page's generated table (mgc_devtools.layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgc_devtools import layout

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def test_the_where_to_find_table_in_the_docs_is_up_to_date():
    text = DOC.read_text(encoding="utf-8")
    assert layout.update(text) == text, (
        "docs/architecture.md's where-to-find table is out of date: run "
        "`python -m mgc_devtools.layout --write docs/architecture.md`")


def test_the_table_lists_every_package_and_file():
    table = layout.where_to_find()
    for folder in ("audio", "features", "datasets", "models", "analysis", "evaluation",
                   "training", "plotting", "explore"):
        assert f"| `mgc_core/{folder}/` |" in table
        for path in (ROOT / "mgc_core" / folder).glob("*.py"):
            if path.name != "__init__.py":
                assert f"`{path.name}`" in table
    for name in ("mgc_devtools/", "ui/", "pages/", "mgc_core/cli.py", "mgc_core/errors.py"):
        assert f"| `{name}` |" in table


def test_a_new_module_shows_up(tmp_path):
    pkg = tmp_path / "mgc_core" / "audio"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Audio in.\n\nMore."""\n')
    (pkg / "load.py").write_text("")
    (tmp_path / "mgc_core" / "errors.py").write_text('"""Typed ``errors``."""\n')
    table = layout.where_to_find(tmp_path)
    assert "| `mgc_core/audio/` | Audio in. | `load.py` |" in table
    assert "| `mgc_core/errors.py` | Typed `errors`. | |" in table


def test_update_needs_the_markers():
    with pytest.raises(ValueError, match="markers"):
        layout.update("# no table here")


def test_main_prints_the_table(capsys):
    assert layout.main([]) == 0
    assert capsys.readouterr().out.startswith("| where | what it holds | files |")
    assert layout.main(["--bogus"]) == 2
