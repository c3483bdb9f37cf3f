"""WSGI entry point for production servers: `gunicorn wsgi:app`."""

from awards import create_app

app = create_app()
