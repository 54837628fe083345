"""Flask-Migrate without its import cost at start.

Flask-Migrate imports Alembic (with Mako and Pygments), a tenth of every start, yet only
`flask db …` and flask_migrate.upgrade() (`flask init`, run.py) use them. The two classes stand
in for what ``Migrate.init_app`` sets up, and import Flask-Migrate on first use
(tests/test_startup.py holds both to what ``Migrate.init_app`` would have made).
"""
from __future__ import annotations

from functools import cached_property

import click


class DeferredMigrate:
    """``app.extensions["migrate"]``: the ``_MigrateConfig`` of ``Migrate.init_app``, built on
    first use (flask_migrate's functions and migrations/env.py read its attributes)."""

    def __init__(self, db, directory: str, **alembic_kwargs):
        self._args = (db, directory, alembic_kwargs)

    @cached_property
    def _config(self):
        from flask_migrate import Migrate, _MigrateConfig

        db, directory, kwargs = self._args
        migrate = Migrate(db=db, directory=directory, **kwargs)
        return _MigrateConfig(migrate, db, **migrate.alembic_ctx_kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):  # copy/pickle probes, and no recursion if _config fails
            raise AttributeError(name)
        return getattr(self._config, name)


class DeferredGroup(click.Group):
    """A click group that imports the real one (``module:attribute``) when it is run, completed
    or asked for its commands; `flask --help` shows ``help`` without importing it."""

    def __init__(self, name: str, target: str, help: str):
        super().__init__(name, help=help)
        self._target = target

    @cached_property
    def _real(self) -> click.Group:
        import importlib

        module, attribute = self._target.split(":")
        return getattr(importlib.import_module(module), attribute)

    # Click runs a subcommand through its context (``sub_ctx.command.invoke``), so handing out
    # the real group's context makes options, --help, subcommands and errors exactly its own.
    def make_context(self, info_name, args, parent=None, **extra):
        return self._real.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return self._real.invoke(ctx)

    def get_command(self, ctx, cmd_name):
        return self._real.get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        return self._real.list_commands(ctx)
