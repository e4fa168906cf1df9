"""Run examples/quickstart.ipynb end to end (real LLM) and check what it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import missing

try:
    import nbclient
    import nbformat
except ImportError as e:
    missing(f"the notebook test needs nbformat and nbclient (the dev extra): {e}")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "quickstart.ipynb"


def _tagged(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r} in {NOTEBOOK.name}, found {len(cells)}"
    return cells[0]


def _errors(nb) -> list[str]:
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}\n{cell.source}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


@pytest.mark.slow
def test_quickstart_notebook_runs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "stored outputs"

    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,  # run every cell, then report all errors at once
        resources={"metadata": {"path": str(EXAMPLES)}},  # the kernel's cwd
    )
    client.execute()

    # The answer cell renders the Answer as HTML; its answer paragraph says four, with a citation.
    outputs = _tagged(nb, "answer").get("outputs", [])
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert htmls, f"the answer cell produced no text/html output: {outputs}"
    page = htmls[0]
    paragraphs = re.findall(r"<p\b[^>]*>(.*?)</p>", page, re.S)
    assert len(paragraphs) >= 2, f"unexpected answer HTML: {page}"
    text = paragraphs[1]  # the first paragraph is the question
    assert re.search(r"\b(four|4)\b", text, re.I), f"answer does not say four: {text!r}"
    markers = re.findall(r"\[(\d+)\]", text)
    assert markers, f"answer has no citation marker like [1]: {text!r}"
    for n in markers:  # every marker is listed as a source
        assert f"id='c{n}'" in page, f"[{n}] is cited but not listed among the sources: {page}"

    # The event table as a DataFrame; the total counts the Putis clash (two outlets) once.
    table = _tagged(nb, "events").get("outputs", [])
    frames = [o["data"]["text/html"] for o in table if "text/html" in o.get("data", {})]
    assert frames and "<table" in frames[0] and "<td>soldier</td>" in frames[0], table  # nouns as lemmas
    printed = "".join(o.get("text", "") for o in table if o.get("name") == "stdout")
    assert printed.startswith(("19 ", "Nineteen")) or "19 soldiers" in printed, printed

    stream = _tagged(nb, "stream").get("outputs", [])
    printed = "".join(o.get("text", "") for o in stream if o.get("name") == "stdout")
    assert printed.strip(), "the streaming cell printed nothing"

    errors = _errors(nb)
    assert not errors, "notebook cells raised:\n\n" + "\n\n".join(errors)
