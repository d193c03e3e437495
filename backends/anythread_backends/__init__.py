"""anythread's built-in backends: ``stdlib``, ``pure``, ``cooperative`` and ``debug``.

Each backend lives in a module (or package) of its own and exports one object.  The
entry points of the ``anythread`` distribution name the plugin objects in
:mod:`anythread_backends.plugins`, exactly as a third party names its own; importing this
package imports no backend.
"""
