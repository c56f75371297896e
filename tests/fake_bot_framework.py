"""A stand-in for the Bot Framework's token service, on a real loopback socket.

The Bot Framework signs each request to a bot with an RS256 token; the bot checks it against the
keys published at an OpenID metadata URL. This fake publishes such metadata and a JWKS with a key
it generates, and signs tokens with it, so the real botbuilder validation code runs end to end:

    with FakeBotFramework() as issuer:
        issuer.install(monkeypatch)          # botbuilder reads its metadata from here
        headers = {"Authorization": issuer.bearer(APP_ID, service_url=connector.url)}

`install` points botbuilder's documented settings at this server
(ChannelValidation.open_id_metadata_endpoint and the Emulator's metadata URL) and stands in for
Azure AD's token endpoint, which a bot calls for the token it presents to the connector
(MicrosoftAppCredentials.get_access_token answers OUTGOING_TOKEN instead of going online).

botbuilder keeps the keys it fetched in a process-wide cache keyed by the metadata URL, for a day
(JwtTokenExtractor.metadataCache). A port the OS hands out again later in the run would then serve
an earlier fake's keys, and the next fake's tokens would be refused (401): so each fake publishes
under a path of its own, and no two fakes ever share a metadata URL.
"""
from __future__ import annotations

import http.server
import json
import secrets
import threading
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CHANNEL_ISSUER = "https://api.botframework.com"
# An issuer botbuilder treats as the Bot Framework Emulator's (Auth v3.1, 1.0 token).
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
OUTGOING_TOKEN = "outgoing-token-from-the-fake-azure-ad"


class FakeBotFramework:
    def __init__(self, endorsements: tuple[str, ...] = ("msteams",), port: int = 0):
        """`port`: 0 for any free one; a given one to stand for the OS handing a port out again."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"test-{secrets.token_hex(6)}"
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**public, "kid": self.kid, "use": "sig", "endorsements": list(endorsements)}]}
        self.requests: list[str] = []
        self.prefix = f"/{secrets.token_hex(8)}"  # this fake's own metadata URL, whatever its port (see above)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                if self.path == outer.prefix + "/.well-known/openid-configuration":
                    status, payload = 200, {"issuer": CHANNEL_ISSUER, "jwks_uri": outer.url + "/keys",
                                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == outer.prefix + "/keys":
                    status, payload = 200, outer.jwks
                else:
                    status, payload = 404, {"error": "not found"}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    @property
    def metadata_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def install(self, monkeypatch) -> None:
        from botframework.connector.auth import AuthenticationConstants, ChannelValidation, MicrosoftAppCredentials

        monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", self.metadata_url)
        monkeypatch.setattr(AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", self.metadata_url)
        monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token",
                            lambda credentials, force_refresh=False: OUTGOING_TOKEN)

    def token(self, app_id: str, *, service_url: str | None, issuer: str = CHANNEL_ISSUER,
              lifetime: int = 3600, **claims: Any) -> str:
        """A token as the Bot Framework signs it: audience the bot's app id, the serviceurl claim
        naming where the bot must answer (None: no such claim)."""
        now = int(time.time())
        body = {"iss": issuer, "aud": app_id, "nbf": now - 5, "iat": now - 5, "exp": now + lifetime, **claims}
        if service_url is not None:
            body["serviceurl"] = service_url
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid})

    def bearer(self, app_id: str, **kwargs: Any) -> str:
        return "Bearer " + self.token(app_id, **kwargs)

    def emulator_bearer(self, app_id: str) -> str:
        """A token shaped like the Bot Framework Emulator's: its own issuer, `appid`, no serviceurl."""
        return "Bearer " + self.token(app_id, service_url=None, issuer=EMULATOR_ISSUER, appid=app_id, ver="1.0")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeBotFramework":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
