"""Guards nbval cannot give: notebooks executed top to bottom, with outputs, thin, and free of personal data."""

import json
import re
from pathlib import Path

import pytest

from analysis.privacy import find_full_ids

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def cells(path, kind="code"):
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == kind]


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["01-load-and-validate.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom(path):
    counts = [c["execution_count"] for c in cells(path)]
    assert counts == list(range(1, len(counts) + 1))


SILENT = ("import ", "from ", "#", "pd.set_option", "plt.close", "warnings.", "validation.setup_display()")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_that_show_something_have_outputs(path):
    for cell in cells(path):
        source = "".join(cell["source"]).strip()
        last = source.splitlines()[-1] if source else ""
        if last.startswith("plt.show()"):
            assert any("image/png" in o.get("data", {}) for o in cell["outputs"]), f"no chart stored: {source[:60]}"
        elif last and not last.startswith(SILENT) and "=" not in last.split("(")[0] and not last.endswith(":"):
            assert cell["outputs"], f"no output stored for: {last}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_no_stderr_no_full_id_numbers(path):
    for cell in cells(path):
        for out in cell["outputs"]:
            assert out["output_type"] != "error"
            assert out.get("name") != "stderr", "".join(out.get("text", ""))
    assert find_full_ids(path.read_text(encoding="utf-8")) == []  # outputs and stored widget state alike


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_thin_and_parameterized(path):
    code = cells(path)
    assert len(code) <= 16
    assert all("def " not in "".join(c["source"]) and "class " not in "".join(c["source"]) for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sections_follow_the_skeleton(path):
    """Title, Overview, Inputs, Set-up, the numbered sections 1., 2., ..., Summary, What to do next, Sources;
    each heading may carry its Chinese first ('## 概览 Overview')."""
    lines = [line for c in cells(path, "markdown") for line in "".join(c["source"]).splitlines()]
    assert lines[0].startswith(f"# {path.name[:2]} · "), lines[0]
    headings = [re.sub(r"^## [^\x00-\x7f]+ ", "## ", line) for line in lines if line.startswith("## ")]
    sections = len(headings) - 6
    assert sections >= 1, headings
    assert [re.sub(r"^## (\d+)\. \S.*", r"## \1.", h) for h in headings] == [
        "## Overview",
        "## Inputs",
        "## Set-up",
        *[f"## {i}." for i in range(1, sections + 1)],
        "## Summary",
        "## What to do next",
        "## Sources",
    ], headings


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_absolute_paths_in_outputs(path):
    text = json.dumps([c["outputs"] for c in cells(path)], ensure_ascii=False)
    for marker in ["/work/", "/home/", "/tmp/", "/root/", "site-packages"]:
        assert marker not in text
