"""The awards service: create_app builds the Flask application."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from awards import config as config_module
from awards.extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Config → extensions → templates → blueprints → CLI → security."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from awards.template_environment import AwardsEnvironment
    from awards.web.input import CleanRequest

    app.jinja_environment = AwardsEnvironment  # before app.jinja_env is first made (awards/template_environment.py)
    app.request_class = CleanRequest  # no NUL characters in form fields, query parameters or file names
    _configure(app, config)
    _init_logging(app)
    _init_extensions(app)
    _init_templates(app)
    _register_blueprints(app)
    from awards.cli import register_cli

    register_cli(app)
    from awards.security import init_security

    init_security(app)
    from awards.throttling import init_throttling

    init_throttling(app)
    from awards.errors import init_error_pages

    init_error_pages(app)
    from awards.web.fast_path import init_fast_path

    init_fast_path(app)  # outermost: cached public pages for anonymous readers, answered before Flask
    return app


def _instance_config(app: Flask) -> dict:
    """The settings in instance/config.py (none if it is missing); a broken file is named, not a traceback."""
    from flask import Config

    local = Config(app.instance_path)
    try:
        local.from_pyfile("config.py", silent=True)
    except Exception as error:  # a syntax error or a bad expression in the file a person edits
        raise config_module.ConfigurationError(
            f"instance/config.py could not be read ({type(error).__name__}: {error}): fix or remove it"
        ) from None
    return dict(local)


def _configure(app: Flask, override: dict | None) -> None:
    app.config.from_object(config_module.Defaults)
    testing = bool(override and override.get("ENVIRONMENT") == "testing")
    instance = {} if testing else _instance_config(app)
    env_name = config_module.environment_name(override, instance)
    if env_name not in config_module.ENVIRONMENTS:
        raise config_module.ConfigurationError(
            f"AWARDS_ENVIRONMENT must be one of {', '.join(sorted(config_module.ENVIRONMENTS))}, not {env_name!r}"
        )
    if config_module.ENVIRONMENTS[env_name] is not None:
        app.config.from_object(config_module.ENVIRONMENTS[env_name])
    if env_name != "testing":
        app.config.update(instance)
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        for key in ("SECRET_KEY", "BASE_URL", "REDIS_URL"):  # as the README names them, unprefixed
            if os.environ.get(key):
                app.config[key] = os.environ[key]
        app.config.from_prefixed_env("AWARDS")
    if override:
        app.config.update(override)
    app.config["ENVIRONMENT"] = env_name

    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or config_module.default_sqlite_url(app.instance_path)
    uri = config_module.normalise_database_url(uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql"):
        # A connection is checked before use when it has lain idle (awards/db_ping.py), not before every use.
        engine_options.setdefault("pool_pre_ping", False)
    elif uri.startswith("sqlite"):
        engine_options.setdefault("connect_args", {}).setdefault("timeout", 30)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    config_module.check_settings(app.config, env_name)
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    if app.config.get("TRUSTED_HOSTS") is None and env_name != "development":
        # Only the configured host may be named in the Host header (a forged one gets 400).
        from urllib.parse import urlsplit

        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["BASE_URL"]).hostname]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.urandom(32).hex()
        app.logger.warning("No SECRET_KEY configured: using a random one, sessions end at restart")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL for concurrent readers, enforced foreign keys, waiting rather than failing on a lock, and a page cache of
    up to 32 MiB a connection (SQLite's default is 2 MiB: a search matching half of 10,000 impact cases reads 5,000
    of their rows, a page each, and took 44-50 ms with the default against 27-33 ms; filled only as pages are read)."""
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


def _init_logging(app: Flask) -> None:
    from awards.logging_setup import configure_logging

    configure_logging(app)


def _init_extensions(app: Flask) -> None:
    from awards import models  # noqa: F401  (the whole schema, for Alembic)
    from awards.domain.core.mail import install_outbox
    from awards.domain.nominations.attachments import install_file_cleanup
    from awards.domain.programme.entry_forms import install_form_versions
    from awards.domain.publishing.impact_cases import install_freshness

    db.init_app(app)
    from awards.db_ping import ping_when_idle

    with app.app_context():
        if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
            ping_when_idle(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    install_outbox()
    install_file_cleanup()
    install_freshness()
    install_form_versions()
    from awards.domain.core.transaction_memo import install_transaction_memo

    install_transaction_memo()
    from awards.domain.programme.default_translations import install_stale_cleanup
    from awards.domain.programme.translations import install_translation_cleanup

    install_translation_cleanup()
    install_stale_cleanup()
    from awards.domain.core.audit import install_audit_log
    from awards.domain.judging.rounds import install_round_starts

    install_audit_log()
    install_round_starts()
    from awards.i18n import init_i18n

    init_i18n(app)


def _init_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)
    from awards.templating import init_templating
    from awards.web.presentation import init_presentation

    init_templating(app)
    init_presentation(app)


def _register_blueprints(app: Flask) -> None:
    from awards.web.auth import bp as auth_bp
    from awards.web.judge import bp as judge_bp
    from awards.web.nominee import bp as nominee_bp
    from awards.web.organiser import bp as organiser_bp
    from awards.web.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(nominee_bp)
    app.register_blueprint(judge_bp, url_prefix="/judging")
    app.register_blueprint(organiser_bp, url_prefix="/organiser")
    from awards.web.api import bp as api_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
