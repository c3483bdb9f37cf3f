"""`flask backup PATH` and `flask restore PATH`: thin calls into domain/records/backup.py; `flask storage
check` and `flask storage copy-local`: thin calls into domain/records/storage_moves.py."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from awards.domain.core.storage import current_storage
from awards.domain.nominations.attachments import upload_folder
from awards.domain.records import backup as rules
from awards.domain.records import storage_moves


def register_backup_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Back up the database (SQLite) and the uploaded documents into the new directory PATH.

        Safe while the app is running. For PostgreSQL it copies the uploads and writes the manifest;
        back up the database itself with pg_dump (see docs/operations.md)."""
        try:
            manifest = rules.backup(path)
        except rules.BackupError as error:
            raise click.ClickException(error.message) from None
        uploads = sum(1 for name in manifest.files if name.startswith(rules.UPLOADS + "/"))
        rows = sum(manifest.row_counts.values())
        if manifest.database == "sqlite":
            click.echo(
                f"Backed up the database ({rows} rows in {len(manifest.row_counts)} tables, schema "
                f"{manifest.schema_revision}, integrity ok) and {uploads} uploaded files to {path}"
            )
        else:
            click.echo(f"Backed up {uploads} uploaded files and the manifest to {path}.")
            click.echo(
                f"The database is {manifest.database}: this command does not copy it. Back it up with\n"
                f'  pg_dump --format=custom --file={path / "database.pgdump"} "$DATABASE_URL"\n'
                "(see docs/operations.md, Backups)."
            )
        for name in manifest.missing_uploads:
            click.echo(f"Warning: the database refers to the upload {name}, which was not stored.", err=True)

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Replace a database that is not empty, and uploads that differ.")
    def restore_command(path: Path, yes: bool) -> None:
        """Restore the backup in PATH into the configured database and upload storage (stop the app first)."""
        try:
            report = rules.restore(path, replace=yes)
        except rules.BackupError as error:
            raise click.ClickException(error.message) from None
        if not report.database_restored:
            click.echo(
                f"Restored {report.uploads_restored} uploaded files. The backup holds no database "
                f"(it was {report.manifest.database}): restore it with pg_restore (docs/operations.md)."
            )
            return
        click.echo(
            f"Restored the database (schema {report.manifest.schema_revision}) and "
            f"{report.uploads_restored} uploaded files from {path}"
        )
        click.echo(f"Integrity check: {report.integrity}")
        if report.integrity != "ok":
            raise click.ClickException("The restored database failed SQLite's integrity check")
        if not report.counts_match:
            expected, found = report.manifest.row_counts, report.row_counts
            different = sorted(name for name in set(expected) | set(found) if expected.get(name) != found.get(name))
            raise click.ClickException(f"Row counts differ from the manifest in: {', '.join(different)}")
        click.echo(
            f"Row counts match the manifest ({sum(report.row_counts.values())} rows). "
            "Run `flask --app awards db upgrade` if this version of the app is newer than the backup."
        )

    register_storage_cli(app)


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def register_storage_cli(app: Flask) -> None:
    storage = AppGroup("storage", help="Where uploaded files are kept (a folder, or S3-compatible object storage).")

    @storage.command("check")
    def storage_check() -> None:
        """Store, read back and delete a test file, then list uploads whose files are not stored."""
        try:
            found = storage_moves.check_storage(current_storage())
        except storage_moves.StorageProblem as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Storage works: {found.description}")
        click.echo(f"{found.rows} uploads in the database, {_files(found.stored)} stored.")
        for name in found.missing:
            click.echo(f"Missing: the database refers to the upload {name}, which is not stored.", err=True)
        if found.missing:
            raise click.ClickException(f"{len(found.missing)} uploads have no stored file")

    @storage.command("copy-local")
    @click.option(
        "--folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The upload folder to copy from (default: AWARDS_UPLOAD_FOLDER, else instance/uploads).",
    )
    def storage_copy_local(folder: Path | None) -> None:
        """Copy the uploads from a local folder into the configured object storage (deletes nothing).

        Safe to run again: files already stored with the same content are left. Run it before switching
        AWARDS_STORAGE_URL on, and once more after, so no upload made in between is left behind."""
        source = folder or upload_folder()
        try:
            report = storage_moves.copy_local_uploads(source, into=current_storage())
        except storage_moves.StorageProblem as error:
            raise click.ClickException(error.message) from None
        click.echo(
            f"Copied {_files(len(report.copied))} from {source} into {current_storage().description}; "
            f"{len(report.already_there)} already there."
        )
        if report.unreferenced:
            click.echo(f"{_files(report.unreferenced)} in {source} belonging to no upload: left where they are.")
        for name in report.differing:
            click.echo(f"Warning: {name} differs from the checksum recorded at upload; copied as it is.", err=True)
        for name in report.missing:
            click.echo(f"Missing: the database refers to the upload {name}, which is in neither place.", err=True)
        if report.missing:
            raise click.ClickException(f"{len(report.missing)} uploads were not found in {source}")

    app.cli.add_command(storage)
