"""Alembic environment for the console's tables (run by console.migrate, or `alembic`)."""

from __future__ import annotations

from alembic import context

from console.db import make_engine
from console.models import metadata

config = context.config
VERSION_TABLE = "console_alembic_version"


def include_object(obj, name, type_, reflected, compare_to):
    # Only the console's own tables; Rasa's `events` table is not ours to migrate.
    if type_ == "table":
        return name.startswith("console_")
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        version_table=VERSION_TABLE,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
