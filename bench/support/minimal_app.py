"""The ceiling for bench/throughput.py: the smallest Flask app there is, one route answering a
short text, served by gunicorn exactly as the awards app is (same worker class and count, same
loopback socket, same load generator). Every page of ours pays at least this much (gunicorn's
accept and parse, Flask's routing, request and response objects), so its requests per second
are the most any Flask page can reach on this machine, and a page's ratio to it measures only
what the page itself adds: database, templates, sessions, security headers.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def ping():
    return "ok"
