"""The clause catalogue and the contract tests name each other completely.

Every clause has at least one test, every contract test names at least one clause, and
every name it uses is in the catalogue.  Ids are stable-looking, sections are the spec's,
sentences are there.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from anythread import CONTRACT_VERSION, Capability
from anythread_contract.clauses import BY_ID, CHANGELOG, CLAUSES, SECTIONS
from anythread_contract.inventory import contract_test_clauses

TESTS = list(contract_test_clauses())


class TestVersions:
    def test_contract_version_is_two(self) -> None:
        assert CONTRACT_VERSION == 2

    def test_every_version_has_a_changelog_entry(self) -> None:
        assert sorted(CHANGELOG) == list(range(1, CONTRACT_VERSION + 1))
        assert all(len(text) > 40 for text in CHANGELOG.values())

    def test_every_clause_says_when_it_was_added(self) -> None:
        assert {clause.since for clause in CLAUSES} <= set(CHANGELOG)
        assert max(clause.since for clause in CLAUSES) == CONTRACT_VERSION

    def test_version_two_adds_promptness_for_every_waiting_object(self) -> None:
        added = {clause.id for clause in CLAUSES if clause.since == 2}
        for area in ("LOCK", "RLOCK", "COND", "SEM", "EVENT", "TIMER", "BARRIER"):
            assert f"{area}-PROMPT-01" in added, area
        assert {"THREAD-JOIN-07", "MOD-TIMEOUT-ZERO-01", "BARRIER-TIMEOUT-03"} <= added

    def test_version_one_is_frozen(self) -> None:
        # Version 1 had exactly 150 clauses: a clause added later that forgets its
        # ``since`` would silently join version 1.
        assert sum(1 for clause in CLAUSES if clause.since == 1) == 150

    def test_version_one_ids_kept(self) -> None:
        # Ids are never reused nor renumbered: a sample of version 1's, with their areas.
        for cid in ("API-NAMES-01", "LOCK-ACQ-TIMEOUT-02", "COND-NOTIFY-03", "WITH-02"):
            assert BY_ID[cid].since == 1


class TestCatalogue:
    def test_ids_are_unique_and_well_formed(self) -> None:
        counts = Counter(clause.id for clause in CLAUSES)
        assert [cid for cid, n in counts.items() if n > 1] == []
        bad = [c.id for c in CLAUSES if not re.fullmatch(r"[A-Z]+(-[A-Z]+)*-\d{2}", c.id)]
        assert bad == []

    def test_sections_sentences_sources(self) -> None:
        for clause in CLAUSES:
            assert clause.section in SECTIONS, clause.id
            assert len(clause.text) > 20, clause.id
            assert clause.text == " ".join(clause.text.split()), clause.id
            assert clause.source in ("spec", "addition", "cpython", "design"), clause.id
            assert all(isinstance(cap, Capability) for cap in clause.requires), clause.id

    def test_every_section_has_clauses(self) -> None:
        assert set(SECTIONS) == {clause.section for clause in CLAUSES}

    def test_cpython_settled_clauses_are_marked(self) -> None:
        cpython = {c.id for c in CLAUSES if c.source == "cpython"}
        for cid in ("LOCK-ARG-01", "SEM-INIT-02", "BSEM-03", "RLOCK-REL-02"):
            assert cid in cpython or BY_ID[cid].source == "spec"
        assert len(cpython) >= 10


class TestCoverage:
    def test_suite_has_tests(self) -> None:
        assert len(TESTS) > 100

    def test_every_test_names_a_known_clause(self) -> None:
        nameless = [name for name, clauses in TESTS if not clauses]
        unknown = [(name, c) for name, clauses in TESTS for c in clauses if c not in BY_ID]
        assert nameless == [], "contract tests without @pytest.mark.clause(...)"
        assert unknown == [], "contract tests naming clauses not in the catalogue"

    def test_every_clause_has_a_test(self) -> None:
        tested = {c for _, clauses in TESTS for c in clauses}
        untested = [clause.id for clause in CLAUSES if clause.id not in tested]
        assert untested == [], "clauses without a test"

    @pytest.mark.parametrize(
        "area",
        [
            "MOD-ACTIVE",
            "MOD-CURRENT",
            "MOD-ENUM",
            "MOD-MAIN",
            "MOD-IDENT",
            "MOD-NATIVE",
            "MOD-SETTRACE",
            "MOD-SETPROFILE",
            "MOD-GETTRACE",
            "MOD-GETPROFILE",
            "MOD-STACK",
            "MOD-TIMEOUT-MAX",
            "MOD-EXCEPTHOOK",
            "MOD-LOCAL",
            "THREAD-DUMMY",
            "THREAD-EXIT",
            "THREAD-JOIN",
            "THREAD-DAEMON",
            "LOCK-",
            "RLOCK-",
            "COND-WAITFOR",
            "COND-NOTIFY",
            "SEM-",
            "BSEM-",
            "EVENT-",
            "TIMER-",
            "BARRIER-RESET",
            "BARRIER-ABORT",
            "BARRIER-ACTION",
            "BARRIER-REUSE",
            "WITH-",
        ],
    )
    def test_the_whole_chapter_is_covered(self, area: str) -> None:
        assert any(clause.id.startswith(area) for clause in CLAUSES), area
