"""`flask` commands: seed roles, create offices and users, demo data, full bootstrap, outbox,
the catalogue index, backup and restore, clean-up."""
from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from app import notify
from app.auth.roles import ROLES
from app.catalogue import search
from app.core.transactions import unit_of_work
from app.letters import certificates
from app.offices import reminders
from app.ops import bootstrap as boot
from app.reports import snapshots


def register_cli(app: Flask) -> None:
    for command in (seed_roles, create_user, create_office, seed_demo, init_command, outbox,
                    search_group, backup_command, restore_command, cleanup_command,
                    reminders_group, identity_group, retention_group, figures_group):
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
@click.option("--requests", "n_requests", type=click.IntRange(min=0), default=None,
              help="requests to make  [default: 60; with --national 5000]")
@click.option("--seed", default=1674, show_default=True, help="random seed (repeatable data)")
@click.option("--national", is_flag=True,
              help="BPS's office tree (headquarters, 38 provinces, 514 regencies/cities), an "
                   "officer and a head in each, and the requests spread over them (issue 27); "
                   "run it on a database nobody else writes to meanwhile")
@with_appcontext
def seed_demo(n_requests, seed, national):
    """Fill realistic demo data: staff, applicants, requests in every state, ratings, ..."""
    if national:
        from app.ops.demo_national import generate_national

        def progress(done, total, seconds):
            click.echo(f"  {done}/{total} requests, {seconds:.0f} s", err=True)

        result = generate_national(n_requests=5000 if n_requests is None else n_requests,
                                   seed=seed, progress=progress)
        click.echo(", ".join(f"{k}: {v}" for k, v in result["counts"].items()))
        click.echo(f"seconds: {result['seconds']}; largest offices: "
                   + ", ".join(f"{code} ({n})" for code, n in result["largest"])
                   + f"; search index: {result['search_triggers']}")
        return
    from app.ops.demo import generate

    counts = generate(n_requests=60 if n_requests is None else n_requests, seed=seed)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
    # Apart from generate(), whose rows are the same for the same seed (a key is random).
    session = current_app.appbuilder.session
    office = boot.ensure_default_office()
    if certificates.current(session, office.id) is None:
        with unit_of_work(session):
            row = certificates.install_demo(session, None, office)
            click.echo(f"Demo signing certificate for {office.name}: {row.subject} "
                       "(issued by a DEMO CA: not an official signature)")


@click.command("init")
@with_appcontext
def init_command():
    """Migrate the database, seed roles and the default office, create the first admin."""
    admin = boot.bootstrap()
    housekeeping()  # once per release, before the servers start
    # Last, after the migration log: the address, and the admin (a new password only once).
    click.echo(boot.first_run_notice(admin, current_app.config["PUBLIC_BASE_URL"],
                                     serving=False))


HOUSEKEEPING_EVERY = 24 * 3600.0  # seconds


def housekeeping() -> dict:
    """Remove what finished or interrupted work leaves behind: public forms' one-time tokens
    older than FORM_TOKEN_DAYS and upload ``.part`` files older than an hour (a worker killed
    mid-write). Run by `flask init`, run.py, `flask cleanup` and, daily, the outbox sender
    service; wsgi.py removes the ``.part`` files at every start (no SQL there)."""
    from app.auth import form_tokens
    from app.ops import retention
    from app.requests import uploads

    counts = {"form_tokens": form_tokens.forget_old(current_app.appbuilder.session),
              "part_files": uploads.remove_leftovers()}
    if current_app.config.get("RETENTION", True):  # personal data past its periods
        counts["retention"] = retention.run(current_app.appbuilder.session)
    return counts


@click.command("cleanup")
@with_appcontext
def cleanup_command():
    """Remove old one-time form tokens and interrupted uploads' .part files."""
    counts = housekeeping()
    click.echo(_("Removed %(tokens)d old form token(s) and %(parts)d unfinished upload "
                 "file(s).", tokens=counts["form_tokens"], parts=counts["part_files"]))
    if "retention" in counts:
        click.echo(_("Retention: %(counts)s.", counts=", ".join(
            f"{kind} {n}" for kind, n in counts["retention"].items())))


# AppGroup: every subcommand runs inside the app context.
outbox = AppGroup("outbox", help="The e-mail outbox: send due messages, list, retry.")


@outbox.command("send")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1),
              help="at most this many messages in this run (in each round with --every)")
@click.option("--every", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="keep running: a round every SECONDS (the sender service, with "
                   "MAIL_SEND_IN_REQUEST=false)")
@click.option("--rounds", type=click.IntRange(min=1), default=None,
              help="with --every: stop after this many rounds (default: never)")
def outbox_send(limit, every, rounds):
    """Send the messages that are due. Failures stay queued and are retried with backoff."""
    if every is None:
        counts = notify.send_due(limit=limit)
        # Exit 0 even when some failed: they are recorded and retried, not lost (see `list`).
        click.echo(f"sent {counts['sent']}, failed {counts['failed']}")
        return
    session = current_app.appbuilder.session
    config = current_app.config
    # The one long-running process also runs the periodic jobs, each when its time comes:
    # (what, every how many seconds (0: never), the job). The daily clean-up; the wide
    # dashboards' figures counted again (reports/snapshots.py), so that a province's or the
    # nation's page rarely waits for them; the reminders due (a run sends nothing twice: the
    # period only bounds how late in a working day a reminder leaves).
    jobs = [
        ("the daily clean-up", HOUSEKEEPING_EVERY, housekeeping),
        ("counting the dashboards' figures", config.get("DASHBOARD_FIGURES_EVERY", 300),
         lambda: snapshots.refresh(session)),
        ("the reminders", config.get("REMINDERS_EVERY", 900), lambda: reminders.run(session)),
    ]
    due = [time.monotonic()] * len(jobs)
    done = 0
    while rounds is None or done < rounds:
        for i, (what, period, job) in enumerate(jobs):
            if period and time.monotonic() >= due[i]:
                due[i] = time.monotonic() + period
                try:
                    job()
                except Exception:
                    current_app.logger.exception("outbox: %s failed", what)
                    session.rollback()
        try:
            counts = notify.send_due(limit=limit)
            if counts["sent"] or counts["failed"]:
                click.echo(f"sent {counts['sent']}, failed {counts['failed']}")
        except Exception:  # the database away for a moment: the next round tries again
            current_app.logger.exception("outbox: a sending round failed")
            session.rollback()
        done += 1
        if rounds is None or done < rounds:
            time.sleep(every)


reminders_group = AppGroup("reminders", help="Reminders and escalation before deadlines.")


@reminders_group.command("run")
@click.option("--office", "office_codes", multiple=True, metavar="CODE",
              help="only this office (repeatable); default: every active office")
@click.option("--send/--no-send", default=True, show_default=True,
              help="also try to send the mails at once (else the outbox sender does)")
# The clock (UTC) the run reads, for the tests' frozen clock; hidden from --help.
@click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M"]), default=None,
              hidden=True)
def reminders_run(office_codes, send, at):
    """Send the reminders due today in every office (each one once, however often it runs)."""
    session = current_app.appbuilder.session
    office_ids = _office_ids(session, office_codes)
    counts = reminders.run(session, now=at, office_ids=office_ids)
    if send and counts.email_ids:
        notify.try_send_now(counts.email_ids)
    sent = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.sent.items())) or "-"
    click.echo(_("Reminders sent: %(sent)s.", sent=sent))


def _office_ids(session, office_codes) -> list[int] | None:
    """The ids of the offices a command's --office options name (None: every office)."""
    from app.models import Office

    if not office_codes:
        return None
    office_ids = list(session.scalars(sa.select(Office.id).where(
        Office.code.in_(office_codes))))
    if len(office_ids) != len(set(office_codes)):
        raise click.ClickException(_("Unknown office code."))
    return office_ids


figures_group = AppGroup("figures", help="The dashboards' kept figures (areas, the nation).")


@figures_group.command("refresh")
def figures_refresh():
    """Count the nation's and every area's dashboard figures for this year again and keep
    them (the outbox sender service does it every DASHBOARD_FIGURES_EVERY seconds)."""
    started = time.monotonic()
    done = snapshots.refresh(current_app.appbuilder.session)
    click.echo(_("Dashboard figures counted: %(num)d in %(seconds).1f s.", num=done,
                 seconds=time.monotonic() - started))


retention_group = AppGroup("retention", help="Personal data past its retention periods.")


@retention_group.command("run")
@click.option("--office", "office_codes", multiple=True,
              help="Only this office (a BPS code); repeat for several.")
def retention_run(office_codes):
    """Anonymise or delete what is past each office's retention periods (idempotent)."""
    from app.ops import retention

    session = current_app.appbuilder.session
    office_ids = _office_ids(session, office_codes)
    counts = retention.run(session, office_ids=office_ids)
    click.echo(_("Retention: %(counts)s.", counts=", ".join(
        f"{kind} {n}" for kind, n in counts.items())))


identity_group = AppGroup("identity", help="Identity document numbers, stored encrypted.")


@identity_group.command("rotate")
def identity_rotate():
    """Re-encrypt every stored identity number with the first key of IDENTITY_KEYS (put the
    new key first, run this, then drop the old key)."""
    from app.core import identity
    from app.core.transactions import unit_of_work

    session = current_app.appbuilder.session
    try:
        with unit_of_work(session):
            done = identity.rotate(session, current_app.extensions["identity_cipher"],
                                   identity.stored_columns())
    except identity.IdentityKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Identity numbers re-encrypted: %(num)d.", num=done))


@outbox.command("list")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1))
def outbox_list(limit):
    """Pending and failed messages, with attempts and the last error."""
    rows = notify.outstanding(current_app.appbuilder.session, limit=limit)
    if not rows:
        click.echo("No pending or failed messages.")
    for row in rows:
        click.echo(f"{row.id:>6}  {row.state:<7}  attempts {row.attempts:<2}  "
                   f"next {row.next_attempt_at:%Y-%m-%d %H:%M} UTC  "
                   f"{row.recipient}  {row.subject}")
        if row.last_error:
            click.echo(f"{'':8}last error: {row.last_error}")


@outbox.command("retry")
@click.option("--all-failed", is_flag=True, help="every message in state failed")
@click.argument("ids", nargs=-1, type=int)
def outbox_retry(all_failed, ids):
    """Queue failed (or backed-off) messages again, due now; `outbox send` then sends them."""
    if not ids and not all_failed:
        raise click.UsageError("give message IDs or --all-failed")
    session = current_app.appbuilder.session
    ids = list(ids) + (notify.failed_ids(session) if all_failed else [])
    with unit_of_work(session):
        count = notify.retry(session, ids)
    click.echo(f"{count} message(s) queued again")


search_group = AppGroup("search", help="The catalogue's full-text index.")


@search_group.command("reindex")
def search_reindex():
    """Rebuild the index from the database (the triggers keep it current otherwise)."""
    session = current_app.appbuilder.session
    with unit_of_work(session):
        count = search.reindex_all(session)
    click.echo(f"{count} recommended activities in the catalogue")


@search_group.command("check")
def search_check():
    """Report missing index tables or triggers (exit 1 if any)."""
    problems = search.check_index(current_app.appbuilder.session)
    for problem in problems:
        click.echo(problem)
    if problems:
        raise SystemExit(1)
    click.echo("index ok")


@click.command("backup")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="archive file, or a folder for it "
                   "(default: instance/backups/rekomstat-YYYYmmdd-HHMMSS.tar.gz, UTC)")
@with_appcontext
def backup_command(output):
    """Back up the database and the uploaded documents into one tar.gz archive."""
    # (tarfile, gzip…: imported when a backup runs, not at start)
    from app.ops import backup as backups

    try:
        path, manifest = backups.backup_with_manifest(output)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise click.ClickException(_("The backup failed: %(error)s", error=exc)) from exc
    click.echo(_("Backup written to %(path)s", path=path))
    for line in backups.summary(manifest, path):
        click.echo(line)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="replace a database that already holds data")
@click.option("--check", "check_only", is_flag=True,
              help="only check the archive (every file against its manifest, every identity "
                   "number against IDENTITY_KEYS); change nothing")
@with_appcontext
def restore_command(path, yes, check_only):
    """Restore the database and the uploaded documents from an archive of `flask backup`.

    The archive is checked completely first; stop the app while restoring."""
    from app.ops import backup as backups

    try:
        if check_only:
            manifest, scan = backups.check(path)
            click.echo(_("%(path)s is intact (made %(created)s).", path=path,
                         created=manifest.get("created_at")))
            for line in backups.summary(manifest, path) + backups.identity_lines(scan):
                click.echo(line)
            return
        result = backups.restore(path, yes=yes)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise click.ClickException(_("The restore failed: %(error)s", error=exc)) from exc
    manifest = result.manifest
    click.echo(_("Restored %(path)s (made %(created)s): the database and %(files)d uploaded "
                 "file(s).", path=path, created=manifest.get("created_at"), files=result.files))
    click.echo(_("Rows per table (restored / in the backup):"))
    for table in sorted(set(result.counts) | set(manifest["tables"])):
        restored, expected = result.counts.get(table), manifest["tables"].get(table)
        mark = "" if restored == expected else "  <-- " + _("differs")
        click.echo(f"  {table:<32} {'-' if restored is None else restored:>8} / "
                   f"{'-' if expected is None else expected}{mark}")
    for problem in result.index_problems:
        click.echo(_("Search index: %(problem)s (run `flask search reindex`)", problem=problem))
    for line in backups.identity_lines(result.identity):
        click.echo(line)
    if result.upgrade_needed:
        click.echo(_("The backup's database is at migration %(archive)s, older than this "
                     "version of Rekomstat (%(code)s): run `flask db upgrade` now.",
                     archive=manifest.get("alembic_revision"), code=backups.code_revision()))
    if result.mismatches:
        raise click.ClickException(_("The row counts of %(tables)s differ from the backup's "
                                     "manifest.", tables=", ".join(result.mismatches)))
    click.echo(_("The row counts match the backup."))
