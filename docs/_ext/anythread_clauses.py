"""Sphinx directives ``.. anythread-clauses::`` (the contract's clause catalogue as
tables) and ``.. anythread-changelog::`` (what each contract version added).

They render :data:`anythread_contract.clauses.CLAUSES` and
:data:`~anythread_contract.clauses.CHANGELOG`, the one place the catalogue lives, so the
documentation can never disagree with the suite.
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
                "   :widths: 22 10 14 6 48",
                "",
                "   * - id",
                "     - source",
                "     - needs",
                "     - since",
                "     - clause",
            ]
            for clause in clauses:
                needs = ", ".join(sorted(str(c) for c in clause.requires)) or "-"
                lines += [
                    f"   * - ``{clause.id}``",
                    f"     - {clause.source}",
                    f"     - {needs}",
                    f"     - {clause.since}",
                    f"     - {_cell(clause.text)}",
                ]
            lines.append("")
        return _parse(self, lines)


def _parse(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
    container = nodes.section()
    container.document = directive.state.document
    directive.state.nested_parse(
        StringList(lines, source="anythread_contract.clauses"), 0, container, match_titles=True
    )
    return list(container.children)


class ChangelogDirective(SphinxDirective):
    """Render each contract version, newest first, with the clauses it added."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from anythread_contract.clauses import CHANGELOG, CLAUSES

        lines: list[str] = []
        for version in sorted(CHANGELOG, reverse=True):
            added = [c for c in CLAUSES if c.since == version]
            lines += [f"**Version {version}** ({len(added)} clauses added)", ""]
            lines += [f"   {_cell(CHANGELOG[version])}", ""]
            if version > 1:
                lines += [f"   Added: {', '.join(f'``{c.id}``' for c in added)}.", ""]
        return _parse(self, lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("anythread-clauses", ClausesDirective)
    app.add_directive("anythread-changelog", ChangelogDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
