"""Persistence: typed tables, engine construction, repository functions and cursors."""

from __future__ import annotations
