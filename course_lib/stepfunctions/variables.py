"""Workflow variables (``Assign``) and their scopes.

A Map iteration or Parallel branch opens a child scope: it reads the variables of
the scopes around it, and what it assigns stays inside it.
"""

from __future__ import annotations

from typing import Any

from course_lib.stepfunctions.jsonpath import MISSING


class Scope:
    """One level of variables; lookups fall back to the enclosing scope."""

    __slots__ = ("parent", "values")

    def __init__(self, parent: Scope | None = None, values: dict | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = dict(values or {})

    def child(self) -> Scope:
        return Scope(self)

    def get(self, name: str) -> Any:
        """The variable's value, or ``MISSING`` when no scope defines it."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return MISSING

    def assign(self, values: dict[str, Any]) -> None:
        self.values.update(values)

    def visible(self) -> dict[str, Any]:
        """Every variable this scope can read, inner names shadowing outer ones."""
        chain, scope = [], self
        while scope is not None:
            chain.append(scope.values)
            scope = scope.parent
        merged: dict[str, Any] = {}
        for values in reversed(chain):
            merged.update(values)
        return merged
