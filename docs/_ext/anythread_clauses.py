"""Sphinx directive ``.. anythread-clauses::``: the contract's clause catalogue as tables.

It renders :data:`anythread_contract.clauses.CLAUSES`, the one place the catalogue lives,
so the documentation can never disagree with the suite.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def _cell(text: str) -> str:
    # Clause texts are plain sentences: escape what reStructuredText would interpret.
    for char in "\\*`|_":
        text = text.replace(char, "\\" + char)
    return text


class ClausesDirective(SphinxDirective):
    """Render every clause, one table per spec section."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from anythread_contract.clauses import CLAUSES, SECTIONS

        lines: list[str] = []
        for section, title in SECTIONS.items():
            clauses = [c for c in CLAUSES if c.section == section]
            if not clauses:
                continue
            heading = f"{section} {title}"
            lines += [heading, "~" * len(heading), ""]
            lines += [
                ".. list-table::",
                "   :header-rows: 1",
                "   :widths: 22 10 14 54",
                "",
                "   * - id",
                "     - source",
                "     - needs",
                "     - clause",
            ]
            for clause in clauses:
                needs = ", ".join(sorted(str(c) for c in clause.requires)) or "-"
                lines += [
                    f"   * - ``{clause.id}``",
                    f"     - {clause.source}",
                    f"     - {needs}",
                    f"     - {_cell(clause.text)}",
                ]
            lines.append("")
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(
            StringList(lines, source="anythread_contract.clauses"), 0, container, match_titles=True
        )
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("anythread-clauses", ClausesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
