"""Availability: which claimed backends can be used, and why the others cannot.

It judges the claims that discovery found, without loading anything: a built-in name
claimed by another distribution is refused (the built-in keeps it), two third-party
plugins claiming one name conflict, and a backend whose required distributions are
missing is unavailable with the ``pip install`` that fixes it.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Sequence
from dataclasses import dataclass

from anythread.registry.discovery import Claim, Found

__all__ = ["BUILTIN_NAMES", "OWN_DISTRIBUTION", "Availability", "Refusal"]

#: The names of anythread's own backends: reserved for anythread's own plugins (a name
#: without a claim from anythread itself means that this installation lost its entry
#: points).
BUILTIN_NAMES: tuple[str, ...] = ("stdlib", "pure", "cooperative", "debug")
#: The distribution whose plugins may claim :data:`BUILTIN_NAMES`.
OWN_DISTRIBUTION = "anythread"

_REQ_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Refusal:
    """A claim that was refused, and why."""

    claim: Claim
    reason: str


def _is_own(claim: Claim) -> bool:
    return _canonical(claim.distribution) == OWN_DISTRIBUTION


def _refusal(claim: Claim) -> Refusal:
    name = claim.spec.name
    who = claim.distribution or f"plugin {claim.plugin}"
    return Refusal(
        claim,
        f"refused: {name!r} is the name of one of anythread's built-in backends, reserved "
        f"for anythread itself; {who} cannot provide or replace it (the built-in is "
        f"unaffected). Rename the backend in {who}.",
    )


class Availability:
    """The verdict on every claim of one discovery."""

    def __init__(self, found: Found) -> None:
        self.problems = list(found.problems)
        self.refused: list[Refusal] = []
        self._claims: dict[str, list[Claim]] = {}
        for claim in found.claims:
            if claim.spec.name in BUILTIN_NAMES and not _is_own(claim):
                self.refused.append(_refusal(claim))
            else:
                self._claims.setdefault(claim.spec.name, []).append(claim)

    def names(self) -> list[str]:
        """Return the claimed names (available or not), sorted."""
        return sorted(self._claims)

    def claims(self, name: str) -> Sequence[Claim]:
        """Return the accepted claims on ``name`` (empty if none)."""
        return self._claims.get(name, ())

    def missing_builtin(self, name: str) -> bool:
        """Whether ``name`` is a built-in name that this installation does not declare."""
        return name in BUILTIN_NAMES and name not in self._claims

    def reason(self, name: str) -> str | None:
        """Return why backend ``name`` cannot be used before loading it, or None."""
        claims = self._claims[name]
        if len(claims) > 1:
            who = " and ".join(
                f"{c.distribution or '(no distribution)'} ({c.plugin})" for c in claims
            )
            return (
                f"backend name {name!r} is claimed by {who}; uninstall one of these distributions"
            )
        return _missing_requirement(claims[0])


def _missing_requirement(claim: Claim) -> str | None:
    for requirement in claim.spec.requires:
        match = _REQ_NAME.match(requirement)
        if match is None:
            return f"invalid requirement {requirement!r} in its spec"
        dist_name = match.group(1)
        try:
            metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            return (
                f"requires {dist_name}, which is not installed: {_install_hint(claim, dist_name)}"
            )
    return None


def _install_hint(claim: Claim, dist_name: str) -> str:
    # If the plugin's distribution declares the requirement under an extra, installing
    # that extra is the command that also keeps versions consistent.
    for declared in claim.requires_dist:
        declared_name = _REQ_NAME.match(declared)
        extra = _EXTRA_MARKER.search(declared)
        if declared_name and extra and _canonical(declared_name.group(1)) == _canonical(dist_name):
            return f"pip install '{claim.distribution}[{extra.group(1)}]'"
    return f"pip install {dist_name}"
