"""A standards-compliant OpenID Connect provider on loopback, for the single sign-on tests.

Built with Authlib's provider side: a Flask app with an AuthorizationServer, the authorisation code
grant with the OpenIDCode extension (id tokens signed RS256 with a key of its own, published at a
JWKS endpoint) and CodeChallenge (PKCE required), a discovery document at
/.well-known/openid-configuration, served by a werkzeug server in a thread on 127.0.0.1 and a free port.

It approves every authorisation request at once for the person the test says is signed in at the
provider (`provider.person`), or answers `error=access_denied` when the test says they cancel. Codes
are single use (a second exchange is refused with invalid_grant), as RFC 6749 requires. Switches make
it misbehave: an id token for another audience, already expired, with another nonce; a token endpoint
that answers 503.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.network import free_port


@dataclass
class Person:
    """Who is signed in at the provider."""

    sub: str = "riverside-0001"
    email: str = "rowan@riverside.gov.uk"
    email_verified: bool | None = True
    name: str = "Rowan Riverside"
    amr: list[str] = field(default_factory=lambda: ["pwd"])
    extra: dict = field(default_factory=dict)  # more claims for the id token (e.g. Entra's xms_edov)


@dataclass
class Misbehaviour:
    audience: str | None = None  # the id token's aud, instead of the client's id
    expired: bool = False  # the id token expired an hour ago
    nonce: str | None = None  # the id token's nonce, instead of the one asked for
    token_endpoint_down: bool = False  # the token endpoint answers 503


class _Client:
    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]):
        self.client_id, self.client_secret, self.redirect_uris = client_id, client_secret, redirect_uris

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post") if endpoint == "token" else True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return list(self.person.amr) if self.person.amr else None


def _code_grant(provider: LoopbackProvider):
    """The authorisation code grant, its codes kept by `provider` and each used once."""

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            data = req.payload.data
            provider.codes[code] = _Code(
                code=code,
                client_id=req.client.client_id,
                redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope,
                person=req.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
            )

        def query_authorization_code(self, code, client):
            found = provider.codes.get(code)
            return found if found is not None and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code):
            provider.codes.pop(authorization_code.code, None)  # single use

        def authenticate_user(self, authorization_code):
            return authorization_code.person

    return CodeGrant


def _openid(provider: LoopbackProvider):
    """The OpenID Connect extension: id tokens signed with the provider's key, misbehaving on request."""

    class OpenID(OpenIDCode):
        def exists_nonce(self, nonce, req):
            return False

        def resolve_client_private_key(self, client):
            return provider.key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_encode_header(self, client):
            return {"alg": "RS256", "kid": "loopback-1"}

        def get_client_claims(self, client):
            now = int(time.time())
            claims = {"iss": provider.issuer, "aud": [provider.misbehave.audience or client.get_client_id()]}
            if provider.misbehave.expired:
                claims.update(iat=now - 7200, exp=now - 3600, auth_time=now - 7200)
            return claims

        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if provider.misbehave.nonce is not None:
                claims["nonce"] = provider.misbehave.nonce
            return claims

        def generate_user_info(self, person, scope):
            info = UserInfo(sub=person.sub)
            if "email" in scope:
                info["email"] = person.email
                if person.email_verified is not None:
                    info["email_verified"] = person.email_verified
            if "profile" in scope:
                info["name"] = person.name
            info.update(person.extra)
            return info

    return OpenID


class LoopbackProvider:
    """Start with `start()`, stop with `stop()`; `issuer` is its address."""

    def __init__(self, client_id: str = "awards-client", client_secret: str = "awards-client-secret"):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris: list[str] = []
        self.person = Person()
        self.cancel = False
        self.misbehave = Misbehaviour()
        self.codes: dict[str, _Code] = {}
        self.token_requests = 0
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "loopback-1", "use": "sig", "alg": "RS256"}, private=True
        )
        self._server = None
        self._thread = None
        self.app = self._build_app()

    # -- the provider ----------------------------------------------------------------------------
    def _build_app(self) -> Flask:
        app = Flask("loopback_oidc_provider")
        app.config["SECRET_KEY"] = secrets.token_hex(16)
        server = AuthorizationServer(app, query_client=self._query_client, save_token=lambda token, req: None)
        server.register_grant(_code_grant(self), [_openid(self)(require_nonce=True), CodeChallenge(required=True)])
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(provider.discovery())

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            # Auto-approve for the person "signed in" here (or refuse for one who cancels).
            req = server.create_oauth2_request(None)
            grant = server.get_authorization_grant(req)
            return server.create_authorization_response(
                req, grant_user=None if provider.cancel else provider.person, grant=grant
            )

        @app.post("/token")
        def token():
            provider.token_requests += 1
            if provider.misbehave.token_endpoint_down:
                return "Service Unavailable", 503
            return server.create_token_response()

        return app

    def _query_client(self, client_id: str) -> _Client | None:
        if client_id != self.client_id:
            return None
        return _Client(self.client_id, self.client_secret, self.redirect_uris)

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "amr"],
        }

    # -- running it ------------------------------------------------------------------------------
    def start(self) -> LoopbackProvider:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        # a short poll: shutdown() waits for the loop to look again (half a second by default, at every test's end)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback-oidc", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def settings(self, **overrides) -> dict:
        """A provider entry for the app's SSO_PROVIDERS."""
        entry = {
            "name": "riverside",
            "label": "Riverside Council staff",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "email_domains": ["riverside.gov.uk"],
            "role": "nominee",
        }
        entry.update(overrides)
        return entry
