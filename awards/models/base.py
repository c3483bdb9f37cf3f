"""The base class of every model.

At run time it is Flask-SQLAlchemy's `db.Model` (built from `awards.extensions.Base`, so it has the
same metadata and naming convention, plus the extension's table naming and binds). `db.Model` is made
when the extension is created, so a type checker cannot see it as a class: to mypy the base is
`Base` itself, the declarative base `db.Model` is made from, whose typed `Mapped[...]` columns and
relationships are what the domain reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from awards.extensions import db

if TYPE_CHECKING:
    from awards.extensions import Base as Model
else:
    Model = db.Model

__all__ = ["Model"]
