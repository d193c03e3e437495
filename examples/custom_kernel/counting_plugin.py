"""Publish the counting kernel's backend as an anythread plugin.

A distribution would name :data:`plugin` in its entry points::

    [project.entry-points.anythread]
    counting = "counting_plugin:plugin"

Before packaging, name it in ``ANYTHREAD_PLUGINS`` instead, from this directory::

    PYTHONPATH=. ANYTHREAD_PLUGINS=counting_plugin:plugin anythread backends
    PYTHONPATH=. ANYTHREAD_PLUGINS=counting_plugin:plugin anythread certify counting
"""

from __future__ import annotations

from countingkernel import CountingKernel

import anythread
from anythread.protocols import Backend, Capability

# The author states what the backend can honour; a kernel cannot be inspected for it.
# These are true of _thread threads.  The exit rule and fork handling would need the
# KernelExitHook and KernelForkHooks extras, not written here, so the contract suite
# skips those clauses and says why.
CAPABILITIES = frozenset(
    {
        Capability.PREEMPTIVE,
        Capability.NATIVE_IDS,
        Capability.STACK_SIZE,
        Capability.TRACE_HOOKS,
        Capability.TRUE_TIMEOUTS,
    }
)


def make_backend(kernel: CountingKernel | None = None) -> Backend:
    """Build the ``counting`` backend (on ``kernel``, or a new one)."""
    backend = anythread.from_kernel(
        kernel or CountingKernel(), "counting", capabilities=CAPABILITIES
    )
    return backend


class _Plugin:
    @anythread.hookimpl
    def anythread_backends(self) -> list[anythread.BackendSpec]:
        return [
            anythread.BackendSpec(
                "counting",
                "counting_plugin:make_backend",
                description="_thread behind a kernel that counts its primitives (an example)",
            )
        ]


plugin = _Plugin()
