"""Real identity providers for the single sign-on tests, each served over HTTP on a loopback port by a thread.

- `OpenIDProvider`: an OpenID Connect provider built from authlib's authorization server (authorization code
  grant with PKCE, the OpenID Connect extension signing id_tokens RS256 with a key it publishes as JWKS, and a
  userinfo endpoint).
- `SamlIdentityProvider`: pysaml2's own identity provider (saml2.server.Server), answering the SP's redirect
  with a response whose assertion xmlsec1 signs with a key generated for the test.

Both have a login page that takes a username from their user directory (the people and their claims are given
by the test), as the municipality's identity provider would after its own login.
"""

import datetime
import hmac
import html
import json
import re
import secrets
import threading
import time
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core.grants import OpenIDCode
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import AUTHN_PASSWORD
from saml2.server import Server

# --- Serving a WSGI app on loopback ---------------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class LoopbackServer:
    """A WSGI app served on 127.0.0.1 (a free port) by a thread, until stop()."""

    def __init__(self, app):
        self.httpd = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _read_form(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode() if length else ""
    return {k: v[0] for k, v in parse_qs(body).items()}


def _respond(start_response, status, body, headers=()):
    body = body if isinstance(body, bytes) else body.encode()
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _login_page(action, hidden, message="Log in at the municipality"):
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in hidden.items()
    )
    return (
        f'<!DOCTYPE html><title>{message}</title><form method="post" action="{html.escape(action)}">{fields}'
        '<input name="username"><input name="password" type="password"><button>Log in</button></form>'
    )


# --- Keys ---------------------------------------------------------------------------------------------------------


def key_and_certificate(directory, name):
    """A new RSA key and a self-signed certificate for it, written as PEM files; returns their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


# --- OpenID Connect -------------------------------------------------------------------------------------------------


class _Client(ClientMixin):
    def __init__(self, client_id, client_secret, redirect_uri):
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in {"openid", "profile", "email", "groups"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in {"client_secret_post", "client_secret_basic"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class _Code(AuthorizationCodeMixin):
    def __init__(self, **fields):
        self.__dict__.update(fields)
        self.auth_time = int(time.time())

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
        return None


class _WsgiRequest(OAuth2Request):
    def __init__(self, environ, form):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        uri = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}"
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        super().__init__(environ["REQUEST_METHOD"], uri, headers=headers)
        self._query, self._form = query, form
        self.payload = BasicOAuth2Payload({**query, **form})

    @property
    def args(self):
        return self._query

    @property
    def form(self):
        return self._form


class OpenIDProvider:
    """An OpenID provider: /authorize (a login page, then the code), /token, /userinfo, /jwks."""

    def __init__(self, *, client_id, client_secret, redirect_uri, people):
        self.people = people  # username → claims
        self.client = _Client(client_id, client_secret, redirect_uri)
        self.signing_key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self.codes, self.tokens, self.nonces = {}, {}, set()
        self.server = LoopbackServer(self.wsgi)
        self.issuer = self.server.base_url
        self.authorization_server = self._authorization_server()

    def start(self):
        self.server.start()
        return self

    def stop(self):
        self.server.stop()

    @property
    def endpoints(self):
        return {name: f"{self.issuer}/{name}" for name in ("authorize", "token", "userinfo", "jwks")}

    def user_info(self, username):
        return {"sub": f"sub-{username}", "preferred_username": username, **self.people[username]}

    def _authorization_server(self):
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id):
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token, request):
                provider.tokens[token["access_token"]] = request.user

            def create_oauth2_request(self, request):
                return request

            def handle_response(self, status, body, headers):
                return status, body, headers

            def send_signal(self, name, *args, **kwargs):
                pass

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = _Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=data.get("redirect_uri"),
                    scope=request.scope,
                    user=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )
                if data.get("nonce"):
                    provider.nonces.add(data["nonce"])

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return nonce in provider.nonces

            def resolve_client_private_key(self, client):
                return provider.signing_key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.signing_key.kid}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.client_id], "exp": int(time.time()) + 300}

            def generate_user_info(self, user, scope):
                return provider.user_info(user)

        server = Server()
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda *args, **kwargs: secrets.token_urlsafe(32))
        )
        server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])
        return server

    def wsgi(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        form = _read_form(environ) if method == "POST" else {}
        if path == "/authorize":
            return self._authorize(environ, start_response, form)
        if path == "/token" and method == "POST":
            status, body, headers = self.authorization_server.create_token_response(_WsgiRequest(environ, form))
            return _respond(start_response, f"{status} -", json.dumps(body), headers)
        if path == "/userinfo":
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return _respond(start_response, "401 Unauthorized", "{}", [("Content-Type", "application/json")])
            return _respond(
                start_response,
                "200 OK",
                json.dumps(self.user_info(self.tokens[token])),
                [("Content-Type", "application/json")],
            )
        if path == "/jwks":
            keys = {"keys": [self.signing_key.as_dict(private=False)]}
            return _respond(start_response, "200 OK", json.dumps(keys), [("Content-Type", "application/json")])
        return _respond(start_response, "404 Not Found", "")

    def _authorize(self, environ, start_response, form):
        request = _WsgiRequest(environ, {})
        if environ["REQUEST_METHOD"] == "GET":
            self.authorization_server.get_consent_grant(request=request)  # refuses a bad request before the login
            page = _login_page(f"/authorize?{environ.get('QUERY_STRING', '')}", {})
            return _respond(start_response, "200 OK", page, [("Content-Type", "text/html")])
        username = form.get("username", "")
        if username not in self.people:
            return _respond(
                start_response, "200 OK", _login_page("", {}, "Unknown user"), [("Content-Type", "text/html")]
            )
        status, body, headers = self.authorization_server.create_authorization_response(
            request=request, grant_user=username
        )
        return _respond(start_response, f"{status} -", "", headers)


# --- SAML 2.0 ---------------------------------------------------------------------------------------------------------


class SamlIdentityProvider:
    """pysaml2's identity provider: /metadata, and /sso (the SP's redirect, a login page, then the signed answer)."""

    def __init__(self, directory, *, people):

        self.people = people
        self.directory = directory
        self.key_file, self.cert_file = key_and_certificate(directory, "identity-provider")
        self.server = LoopbackServer(self.wsgi)
        base = self.server.base_url
        self.config = {
            "entityid": f"{base}/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "service": {
                "idp": {
                    "name": "The municipality's identity provider",
                    "endpoints": {"single_sign_on_service": [(f"{base}/sso", BINDING_HTTP_REDIRECT)]},
                    "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
                    "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
                    "want_authn_requests_signed": True,
                }
            },
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "metadata": {},
        }
        self.metadata_xml = str(entity_descriptor(IdPConfig().load(self.config)))
        self.idp = None

    @property
    def metadata_url(self):
        return f"{self.server.base_url}/metadata"

    def start(self):
        self.server.start()
        return self

    def stop(self):
        self.server.stop()

    def trust(self, sp_metadata_xml):
        """Register the service provider (jobbro) by its metadata, as the municipality's IdP administrator would."""

        sp_file = self.directory / "service-provider.xml"
        sp_file.write_text(sp_metadata_xml)
        self.idp = Server(config=IdPConfig().load({**self.config, "metadata": {"local": [str(sp_file)]}}))

    def wsgi(self, environ, start_response):

        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/metadata":
            return _respond(
                start_response, "200 OK", self.metadata_xml, [("Content-Type", "application/samlmetadata+xml")]
            )
        if path == "/sso" and method == "GET":
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            self._parse(query)  # refuses a request the service provider did not sign
            hidden = {k: query[k] for k in ("SAMLRequest", "RelayState", "SigAlg", "Signature") if k in query}
            return _respond(start_response, "200 OK", _login_page("/sso", hidden), [("Content-Type", "text/html")])
        if path == "/sso" and method == "POST":
            form = _read_form(environ)
            if form.get("username") not in self.people:
                return _respond(start_response, "200 OK", _login_page("/sso", {}, "Unknown user"))
            return self._answer(start_response, form)
        return _respond(start_response, "404 Not Found", "")

    def _parse(self, fields):

        return self.idp.parse_authn_request(
            fields["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=fields.get("RelayState"),
            sigalg=fields.get("SigAlg"),
            signature=fields.get("Signature"),
        ).message

    def _answer(self, start_response, form):

        request = self._parse(form)
        response_args = self.idp.response_args(request, [BINDING_HTTP_POST])
        username = form["username"]
        identity = {"preferred_username": [username], **self.people[username]}
        response = self.idp.create_authn_response(
            identity,
            userid=username,
            authn={"class_ref": AUTHN_PASSWORD, "authn_auth": self.server.base_url},
            sign_assertion=True,
            sign_response=True,
            **response_args,
        )
        http_args = self.idp.apply_binding(
            BINDING_HTTP_POST, str(response), response_args["destination"], form.get("RelayState", ""), response=True
        )
        return _respond(start_response, "200 OK", http_args["data"], [("Content-Type", "text/html")])


def posted_form(page):
    """The action and fields of the (first) form on an HTML page, as a browser would post them."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', page).group(1))
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return action, fields


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
