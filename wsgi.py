"""WSGI entry point for production servers: `gunicorn wsgi:app`."""

import sys

from awards import create_app
from awards.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    # One line saying what to set, not a traceback in the server's log.
    print(f"awards: {error.format_message()}", file=sys.stderr)
    sys.exit(4)
else:
    import gc

    from awards.throttling import warn_if_counted_per_process

    warn_if_counted_per_process(app)
    # What start-up built (the app, its templates, the models) lives as long as the worker: moved out of
    # the collector's reach, a full collection no longer walks it, which took a request's time from
    # about 60 ms to 150 ms now and then (docs/performance.md).
    gc.collect()
    gc.freeze()
