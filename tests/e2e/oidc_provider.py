"""A small OpenID Connect provider on loopback, for signing in test users in a real browser.

It serves what Streamlit's ``st.login`` (Authlib) needs of a provider, and nothing more:

- ``/.well-known/openid-configuration``: the discovery document;
- ``/authorize``: a page with one "Sign in as …" link per test user (as a real provider
  shows its sign-in page); the link sends the browser back to the app's redirect URI with
  a one-time code and the app's ``state``;
- ``/token``: trades the code (with the client's id and secret) for an RS256-signed id
  token carrying the user's claims and the ``nonce`` the app sent;
- ``/jwks``: the public key that checks the id token.

It runs in a thread of the test process (`OIDCProvider.start`/`stop`) and keeps nothing
on disk.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "fairness-audit-dashboard"
CLIENT_SECRET = "test-client-secret-" + "x" * 16


class OIDCProvider:
    """The provider for ``users`` (key -> claims: ``name``, ``email``, ``sub``)."""

    def __init__(self, users: Mapping[str, Mapping[str, str]]) -> None:
        self.users = {k: dict(v) for k, v in users.items()}
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig",
                                                         "alg": "RS256"})
        self._requests: dict[str, dict[str, str]] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.tokens_issued = 0
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> OIDCProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "client_secret_post"]}

    def _id_token(self, user: str, nonce: str) -> str:
        now = int(time.time())
        claims = {**self.users[user], "iss": self.issuer, "aud": CLIENT_ID, "iat": now,
                  "exp": now + 3600, "auth_time": now, "nonce": nonce, "email_verified": True}
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: str | bytes, kind: str = "application/json",
                      headers: Mapping[str, str] | None = None) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._send(200, json.dumps(provider._discovery()))
                elif url.path == "/jwks":
                    self._send(200, json.dumps({"keys": [provider.key.as_dict(private=False)]}))
                elif url.path == "/authorize":
                    self._authorize(query)
                elif url.path == "/choose":
                    self._choose(query)
                else:
                    self._send(404, "{}")

            def _authorize(self, query: dict[str, str]) -> None:
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    self._send(400, json.dumps({"error": "invalid_request"}))
                    return
                request = secrets.token_urlsafe(12)
                with provider._lock:
                    provider._requests[request] = query
                links = "".join(
                    f'<p><a href="/choose?{urlencode({"user": key, "request": request})}">'
                    f"Sign in as {html.escape(claims['name'])}</a></p>"
                    for key, claims in provider.users.items())
                self._send(200, f"<html><body><h1>Test identity provider</h1>{links}"
                                "</body></html>", "text/html; charset=utf-8")

            def _choose(self, query: dict[str, str]) -> None:
                with provider._lock:
                    request = provider._requests.pop(query.get("request", ""), None)
                if request is None or query.get("user") not in provider.users:
                    self._send(400, json.dumps({"error": "invalid_request"}))
                    return
                code = secrets.token_urlsafe(16)
                with provider._lock:
                    provider._codes[code] = {"user": query["user"],
                                             "nonce": request.get("nonce", ""),
                                             "redirect_uri": request["redirect_uri"]}
                back = urlencode({"code": code, "state": request.get("state", "")})
                self._send(302, b"", "text/plain",
                           {"Location": f"{request['redirect_uri']}?{back}"})

            def _client(self, form: dict[str, str]) -> tuple[str, str]:
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    client, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                    return client, secret
                return form.get("client_id", ""), form.get("client_secret", "")

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                if urlsplit(self.path).path != "/token":
                    self._send(404, "{}")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with provider._lock:
                    grant = provider._codes.pop(form.get("code", ""), None)
                if self._client(form) != (CLIENT_ID, CLIENT_SECRET):
                    self._send(401, json.dumps({"error": "invalid_client"}))
                elif grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
                    self._send(400, json.dumps({"error": "invalid_grant"}))
                else:
                    provider.tokens_issued += 1
                    self._send(200, json.dumps({
                        "access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                        "expires_in": 3600, "scope": "openid email profile",
                        "id_token": provider._id_token(grant["user"], grant["nonce"])}))

        return Handler
