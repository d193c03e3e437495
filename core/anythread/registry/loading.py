"""Loading: import a backend named by a claim, check it against the Backend Protocol.

A loader target (``"module:attribute"``) names either the backend object or a callable
that returns it; with an option (``name:option``) the callable receives the option.
What comes back must have every attribute of :class:`anythread.protocols.Backend`, or it
is refused with the list of what it lacks.  Loaded backends are cached by the name they
were asked for; a failed load is remembered as the backend's reason to be unavailable.
"""

from __future__ import annotations

import importlib
from typing import Any

from anythread.protocols import API_NAMES, Backend, missing_attributes
from anythread.registry.discovery import Claim, describe

__all__ = ["BACKEND_ATTRIBUTES", "Loader"]

#: Every attribute a backend object must have.
BACKEND_ATTRIBUTES: tuple[str, ...] = ("name", "capabilities", "contract_version", *API_NAMES)


class Loader:
    """Loads backends from claims and keeps what it loaded (and what failed)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Backend] = {}
        self._failed: dict[str, str] = {}

    def cached(self, name: str) -> Backend | None:
        """Return the backend already loaded as ``name`` (option included), or None."""
        return self._loaded.get(name)

    def failure(self, name: str) -> str | None:
        """Return why loading backend ``name`` (no option) failed, if it did."""
        return self._failed.get(name)

    def load(self, claim: Claim, option: str | None) -> Backend:
        """Load the backend of ``claim`` (with ``option`` if given) and cache it.

        :raises LookupError: if it cannot be loaded; the cause is chained.
        """
        name = claim.spec.name
        try:
            backend = _call_loader(claim, option)
        except LookupError:
            raise
        except Exception as exc:
            reason = f"loading {claim.spec.load} failed: {describe(exc)}"
            if option is None:
                self._failed[name] = reason
            raise LookupError(f"Backend {name!r} is unavailable: {reason}") from exc
        self._loaded[name if option is None else f"{name}:{option}"] = backend
        return backend


def _call_loader(claim: Claim, option: str | None) -> Backend:
    spec = claim.spec
    module_name, _, attr = spec.load.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    is_factory = callable(obj) and not isinstance(obj, Backend)
    if option is not None:
        if not is_factory:
            raise LookupError(
                f"Backend {spec.name!r} takes no option, but {spec.name}:{option} was asked for"
            )
        backend = obj(option)
    else:
        backend = obj() if is_factory else obj
    if not isinstance(backend, Backend):
        missing = missing_attributes(backend, BACKEND_ATTRIBUTES)
        raise TypeError(
            f"{spec.load} gave {backend!r}, which is not a complete anythread "
            f"backend: it lacks {', '.join(missing)}"
        )
    return backend
