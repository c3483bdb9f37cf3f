"""Single sign-on with OpenID Connect (Authlib's Flask client): the sign-in page's "Sign in with <label>"
buttons start it, the provider sends the person back to the callback.

The start is a POST with the CSRF token (a third site cannot start a sign-in for someone). Authlib
makes the authorisation request with PKCE (S256), a state and a nonce, kept in this browser's signed
session; at the callback `authorize_access_token` refuses a missing or different state, exchanges the
code (with the PKCE verifier) over the back channel, and checks the id token's signature (the
provider's published keys), issuer, audience, expiry and nonce. The rules for who that is here are in
awards/domain/people/single_sign_on.py; the sign-in ends through finish_first_factor, which asks for
the second factor unless the provider asserted one (`amr`, see single_sign_on.mfa_asserted).

Whatever goes wrong that a person can meet gives a page in plain words with a way on, audited with its
reason: the provider not answering (502), a state that does not match (400: the back button, a
replayed or stale callback), a token refused (400), the person cancelling at the provider, and the
rules' refusals (403).
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from babel.lists import format_list
from flask import abort, current_app, redirect, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError

from awards.domain.people import single_sign_on as sso
from awards.extensions import db
from awards.security import is_safe_next, safe_next
from awards.urls import external_url
from awards.web.auth import bp
from awards.web.auth.two_factor import finish_first_factor

log = logging.getLogger(__name__)

EXTENSION = "awards_sso"


def init_single_sign_on(app) -> None:
    """Register each configured provider with an Authlib client of this app's own."""
    providers = {p.name: p for p in sso.parse_providers(app.config.get("SSO_PROVIDERS"))}
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": sso.SCOPES,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "default_timeout": app.config.get("SSO_TIMEOUT") or 10,
            },
        )
    app.extensions[EXTENSION] = {"providers": providers, "oauth": oauth}


@bp.record_once
def _on_register(state) -> None:
    init_single_sign_on(state.app)


@bp.app_template_global("sso_providers")
def configured_providers() -> list[sso.Provider]:
    """The providers, in the configured order (for the sign-in page's buttons)."""
    return list(current_app.extensions[EXTENSION]["providers"].values())


def _provider(name: str) -> sso.Provider:
    provider = current_app.extensions[EXTENSION]["providers"].get(name)
    if provider is None:
        abort(404)
    return provider


def _client(provider: sso.Provider):
    return current_app.extensions[EXTENSION]["oauth"].create_client(provider.name)


# What a person reads when a sign-in cannot go on: (status, title, what happened). %(label)s is the
# provider's label, %(domains)s its allowed e-mail domains.
PROBLEMS = {
    "unreachable": (
        502,
        _l("%(label)s is not answering"),
        _l("We could not reach %(label)s to sign you in. Nothing has changed. Try again in a few minutes."),
    ),
    "issuer_mismatch": (
        502,
        _l("%(label)s is not answering"),
        _l(
            "We could not sign you in with %(label)s: it is not set up correctly here. Nothing has "
            "changed. Tell the awards team."
        ),
    ),
    "state": (
        400,
        _l("Start signing in again"),
        _l(
            "This sign-in could not be finished. It may have been started in another window, taken too long, "
            "or been opened again with the back button. Nothing has changed."
        ),
    ),
    "token": (
        400,
        _l("%(label)s could not sign you in"),
        _l(
            "The answer from %(label)s could not be checked, so we did not sign you in. Try again. If it "
            "happens again, tell the awards team."
        ),
    ),
    "cancelled": (
        200,
        _l("You did not sign in with %(label)s"),
        _l("You stopped signing in at %(label)s, so you have not been signed in here."),
    ),
    "provider_error": (
        400,
        _l("%(label)s could not sign you in"),
        _l("%(label)s did not sign you in. Try again. If it happens again, tell the awards team."),
    ),
    "no_email": (
        403,
        _l("%(label)s did not tell us your email address"),
        _l("We need your email address to find your account, and %(label)s did not send it."),
    ),
    "unverified": (
        403,
        _l("Your email address is not confirmed at %(label)s"),
        _l("%(label)s has not confirmed that this email address is yours, so we cannot use it to sign you in."),
    ),
    "domain": (
        403,
        _l("You cannot sign in with %(label)s using this email address"),
        _l("Only email addresses ending in %(domains)s can sign in with %(label)s."),
    ),
    "disabled": (
        403,
        _l("Your account is disabled"),
        _l("You cannot sign in to this account. Contact the awards team if you think this is wrong."),
    ),
    "linked_elsewhere": (
        403,
        _l("This account is linked to someone else at %(label)s"),
        _l(
            "The account with this email address already signs in with another %(label)s identity, so "
            "we have not signed you in. Contact the awards team."
        ),
    ),
    "account": (
        403,
        _l("We could not create an account for this email address"),
        _l("This email address cannot be used for an account here. Contact the awards team."),
    ),
}


def _problem(provider: sso.Provider, reason: str):
    status, title, text = PROBLEMS[reason]
    domains = format_list([f"@{d}" for d in provider.email_domains], style="or", locale=get_locale())
    words = {"label": provider.label, "domains": domains}
    return render_template(
        "auth/sso_problem.html",
        title=str(title) % words,
        text=str(text) % words,
        again=reason in ("unreachable", "state", "token", "cancelled", "provider_error"),
        provider=provider,
    ), status


def _refuse(provider: sso.Provider, reason: str, **detail):
    """Audit a refusal met before the rules were reached (the rules audit their own), then its page."""
    db.session.rollback()
    sso.record_refusal(provider, reason, **detail)
    db.session.commit()
    return _problem(provider, reason)


def _discovery_problem(client, provider: sso.Provider) -> str | None:
    """The provider's discovery document (read once per process, then kept by Authlib): None when it
    was read and names the configured issuer, else the reason to refuse."""
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        log.warning("single sign-on: %s discovery failed (%s)", provider.name, type(error).__name__)
        return "unreachable"
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != provider.issuer.rstrip("/"):
        # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for (the
        # id token's iss is checked against it).
        log.error(
            "single sign-on: %s discovery names the issuer %r, not the configured %r",
            provider.name,
            issuer,
            provider.issuer,
        )
        return "issuer_mismatch"
    return None


def _sign_in(provider: sso.Provider, claims):
    """sso.sign_in, once more if another request linked the same identity (or made the same account) at
    the same moment: the unique constraint refused this one's row, and the second try finds theirs."""
    try:
        return sso.sign_in(provider, claims)
    except IntegrityError:
        db.session.rollback()
        return sso.sign_in(provider, claims)


@bp.route("/sign-in/sso/<provider>", methods=["POST"])
def sso_start(provider: str):
    chosen = _provider(provider)
    from awards.web.auth.routes import _landing

    wanted = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(wanted, _landing(current_user)))
    client = _client(chosen)
    redirect_uri = external_url("auth.sso_callback", provider=chosen.name)
    problem = _discovery_problem(client, chosen)
    if problem:
        return _refuse(chosen, problem)
    try:
        authorization = client.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        log.warning("single sign-on: %s authorisation request failed (%s)", chosen.name, type(error).__name__)
        return _refuse(chosen, "unreachable")
    url = authorization.pop("url")
    # Authlib keeps the state, nonce and PKCE verifier in the session under the state; the page to
    # go on to is kept with them, so it belongs to this sign-in alone.
    client.save_authorize_data(
        redirect_uri=redirect_uri, next=wanted if is_safe_next(wanted) else None, **authorization
    )
    return redirect(url, code=303)


@bp.route("/sign-in/sso/<provider>/callback")
def sso_callback(provider: str):
    from awards.web.auth.routes import _landing

    chosen = _provider(provider)
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    client = _client(chosen)
    state = request.args.get("state")
    pending = (client.framework.get_state_data(session, state) if state else None) or {}
    if request.args.get("error"):
        if state:
            client.framework.clear_state_data(session, state)
        reason = "cancelled" if request.args.get("error") == "access_denied" else "provider_error"
        return _refuse(chosen, reason)
    problem = _discovery_problem(client, chosen)
    if problem:
        return _refuse(chosen, problem)
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        return _refuse(chosen, "state")
    except requests.RequestException as error:
        log.warning("single sign-on: %s did not answer (%s)", chosen.name, type(error).__name__)
        return _refuse(chosen, "unreachable")
    except OAuthError as error:  # the token endpoint refused the code: used already, expired, not ours
        log.info("single sign-on: %s refused the code (%s)", chosen.name, error.error)
        return _refuse(chosen, "token")
    except (JoseError, ValueError) as error:  # the id token: signature, iss, aud, exp, nonce
        log.info("single sign-on: %s id token refused (%s)", chosen.name, type(error).__name__)
        return _refuse(chosen, "token")
    claims = token.get("userinfo")
    if not claims:  # no id token at all: nothing checked says who this is
        return _refuse(chosen, "token")
    try:
        user = _sign_in(chosen, claims)
    except sso.Refused as refused:
        db.session.commit()  # the refusal's audit record
        return _problem(chosen, refused.reason)
    db.session.commit()
    return finish_first_factor(user, method="sso", mfa_asserted=sso.mfa_asserted(claims), next_url=pending.get("next"))
