"""`flask` commands: seed roles, create offices and users, demo data, full bootstrap."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from . import bootstrap as boot
from .security import ROLES


def register_cli(app: Flask) -> None:
    for command in (seed_roles, create_user, create_office, seed_demo, init_command):
        app.cli.add_command(command)


@click.command("seed-roles")
@with_appcontext
def seed_roles():
    """Create the roles and give each exactly the permissions of the matrix."""
    boot.seed_roles()
    click.echo("Roles: " + ", ".join(ROLES))


@click.command("create-office")
@click.option("--code", required=True, help="BPS office code, e.g. 1674")
@click.option("--name", required=True)
@click.option("--address", default="")
@click.option("--city", default="")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--website", default="")
@with_appcontext
def create_office(code, name, **fields):
    """Create an office (with its default settings and checklist), or complete an existing one."""
    office = boot.ensure_office(code, name, **fields)
    click.echo(f"Office {office.code}: {office.name}")


@click.command("create-user")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--firstname", default="")
@click.option("--lastname", default="")
@click.option("--office", "office_code", default=None, help="office code, e.g. 1674")
@with_appcontext
def create_user(role, username, email, password, firstname, lastname, office_code):
    """Create an account of any role, optionally in an office."""
    try:
        user = boot.create_user(
            role, username, email, password, firstname, lastname, office_code=office_code
        )
    except boot.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{role} {user.username} created")


@click.command("seed-demo")
@click.option("--requests", "n_requests", default=60, show_default=True)
@click.option("--seed", default=1674, show_default=True, help="random seed (repeatable data)")
@with_appcontext
def seed_demo(n_requests, seed):
    """Fill realistic demo data: staff, applicants, requests in every state, ratings, ..."""
    from .demo import generate

    counts = generate(n_requests=n_requests, seed=seed)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@click.command("init")
@with_appcontext
def init_command():
    """Migrate the database, seed roles and the default office, create the first admin."""
    password = boot.bootstrap()
    if password:
        click.echo(f"First admin created: {click.style('admin', bold=True)} / {password}")
