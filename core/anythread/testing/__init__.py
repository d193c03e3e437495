"""Testing with anythread: your tests on every backend (:mod:`.pytest_backends`)."""
