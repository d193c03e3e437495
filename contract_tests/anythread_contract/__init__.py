"""The anythread contract suite: one test per clause of the threading spec.

A backend, built in or published by a third party, is certified by running this suite
against it::

    anythread certify NAME [--json FILE] [-n N] [--select PREFIX]
    pytest --pyargs anythread_contract --anythread-backend NAME -n auto

The package holds the clause catalogue (:mod:`anythread_contract.clauses`: every
behavioural sentence of the spec and of the later additions, with a stable id, its
section, the sentence, its source and the capabilities it needs), the pytest plugin
that runs the tests against chosen backends (:mod:`anythread_contract.plugin`), the
``certify`` command (:mod:`anythread_contract.certify`), helpers that keep every wait
bounded (:mod:`anythread_contract._support`), and the test modules, one per section.

A test names the clauses it checks with ``@pytest.mark.clause("ID", ...)``.  It uses only
the backend under test (its threads, events and ``sleep``), so a cooperative backend
gets scheduled; and it never waits without a bound, so a wrong backend fails a test
instead of hanging the run.  Running the suite directly, pass ``-n N`` for speed (where
pytest-xdist can group tests, the plugin turns its ``load`` into ``loadgroup`` so that
the process-wide tests keep to one worker); the suite passes with or without
``filterwarnings = error``.

Nothing here imports a backend module: backends are reached through
:func:`anythread.get_backend`, exactly as a third party's would be.
"""
