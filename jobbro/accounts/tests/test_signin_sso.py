"""Single sign-on against real identity providers started by the tests (identity_providers.py): an OpenID Connect
provider built with authlib and pysaml2's SAML identity provider, each on a loopback port. The whole flow runs:
jobbro's request, the provider's login page, the provider's answer, and the user created with the role and sites
mapped from the claims."""

import pytest
import requests
from django.test import Client, override_settings
from django.urls import reverse
from saml2.metadata import entity_descriptor

from jobbro.accounts import sso
from jobbro.accounts.models import Membership, Role, User
from jobbro.accounts.tests.identity_providers import (
    OpenIDProvider,
    SamlIdentityProvider,
    key_and_certificate,
    path_of,
    posted_form,
)
from jobbro.audit.models import ChangeLog

BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
ROLE_GROUPS = "jobbro-jobformidler=job_broker,jobbro-sagsbehandler=caseworker,jobbro-admin=administrator"

PEOPLE = {
    "kmj": {
        "given_name": ["Karen"],
        "family_name": ["Mølgaard"],
        "email": ["kmj@aarhus.dk"],
        "groups": ["alle-ansatte", "jobbro-jobformidler"],
        "jobbro_sites": ["751"],
    },
    "nob": {
        "given_name": ["Niels"],
        "family_name": ["Outsider"],
        "email": ["nob@aarhus.dk"],
        "groups": ["alle-ansatte"],
        "jobbro_sites": ["751"],
    },
    "sag": {
        "given_name": ["Sara"],
        "family_name": ["Sag"],
        "email": ["sag@randers.dk"],
        "groups": ["jobbro-sagsbehandler"],
        "jobbro_programmes": ["Job i Nordvest"],
    },
    "adm": {"given_name": ["Ada"], "family_name": ["Admin"], "email": ["adm@aarhus.dk"], "groups": ["jobbro-admin"]},
}


def danish(client):
    client.cookies["django_language"] = "da"
    return client


# --- OpenID Connect -------------------------------------------------------------------------------------------------


@pytest.fixture
def openid_provider():
    provider = OpenIDProvider(
        client_id="jobbro",
        client_secret="hemmelig-klient",
        redirect_uri="http://testserver/sso/oidc/callback/",
        people={
            name: {k: v if k in {"groups", "jobbro_sites", "jobbro_programmes"} else v[0] for k, v in claims.items()}
            for name, claims in PEOPLE.items()
        },
    )
    provider.start()
    endpoints = provider.endpoints
    with override_settings(
        OIDC_ENABLED=True,
        OIDC_ISSUER=provider.issuer,
        OIDC_RP_CLIENT_ID="jobbro",
        OIDC_RP_CLIENT_SECRET="hemmelig-klient",
        OIDC_OP_AUTHORIZATION_ENDPOINT=endpoints["authorize"],
        OIDC_OP_TOKEN_ENDPOINT=endpoints["token"],
        OIDC_OP_USER_ENDPOINT=endpoints["userinfo"],
        OIDC_OP_JWKS_ENDPOINT=endpoints["jwks"],
        SSO_ROLE_GROUPS=ROLE_GROUPS,
        AUTHENTICATION_BACKENDS=[*BACKENDS, "jobbro.accounts.sso.OidcBackend"],
    ):
        yield provider
    provider.stop()


def oidc_sign_in(client, username, next_url=None):
    """jobbro → the provider's login page → the provider's redirect with a code → jobbro's callback."""
    start = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    browser = requests.Session()
    login_page = browser.get(to_provider.url)
    assert login_page.status_code == 200
    action, fields = posted_form(login_page.text)
    answer = browser.post(
        requests.compat.urljoin(to_provider.url, action), {**fields, "username": username}, allow_redirects=False
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith("http://testserver/sso/oidc/callback/")
    return client.get(path_of(answer.headers["Location"]))


def test_the_login_page_offers_the_municipalitys_login_when_configured(openid_provider, db):
    page = danish(Client()).get(reverse("login")).content.decode()
    assert "Log ind med kommunens login" in page and reverse("oidc_authentication_init") in page


def test_without_configuration_there_is_no_button_and_no_sign_in_page(db):
    page = Client().get(reverse("login")).content.decode()
    assert "jb-sso-" not in page
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404
    assert Client().get(reverse("saml2_login")).status_code == 404


def test_openid_connect_creates_a_job_broker_at_her_site(openid_provider, site, other_site):
    client = Client()
    response = oidc_sign_in(client, "kmj", next_url=reverse("caseload"))
    assert response.status_code == 302 and response.url == reverse("caseload")
    user = User.objects.get(username="kmj")
    assert (user.role, user.first_name, user.last_name, user.email) == (
        Role.JOB_BROKER,
        "Karen",
        "Mølgaard",
        "kmj@aarhus.dk",
    )
    assert not user.has_usable_password()
    assert list(Membership.objects.filter(user=user).values_list("site", flat=True)) == [site.pk]
    assert client.get(reverse("caseload")).status_code == 200
    assert ChangeLog.objects.filter(action="sign_in_from_identity_provider", object_id=str(user.pk)).exists()


def test_the_next_sign_in_follows_the_identity_provider(openid_provider, programme, site, other_site):
    oidc_sign_in(Client(), "kmj")
    openid_provider.people["kmj"]["groups"] = ["jobbro-sagsbehandler"]
    openid_provider.people["kmj"]["jobbro_sites"] = []
    openid_provider.people["kmj"]["jobbro_programmes"] = ["Job i Nordvest"]
    oidc_sign_in(Client(), "kmj")
    user = User.objects.get(username="kmj")
    assert user.role == Role.CASEWORKER
    assert list(Membership.objects.filter(user=user).values_list("programme", "site")) == [(programme.pk, None)]


def test_someone_in_no_jobbro_group_is_refused(openid_provider, site):
    client = danish(Client())
    response = oidc_sign_in(client, "nob")
    assert response.status_code == 302 and response.url == "/login/?sso=refused"
    assert "Kommunens login gav dig ikke adgang til jobbro" in client.get(response.url).content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="nob").exists()


def test_an_administrator_from_the_identity_provider_still_needs_the_second_factor(openid_provider, db):
    client = Client()
    oidc_sign_in(client, "adm")
    assert User.objects.get(username="adm").role == Role.ADMINISTRATOR
    response = client.get(reverse("citizen_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_setup"))


def test_an_id_token_signed_by_another_key_is_refused(openid_provider, site):
    from joserfc.jwk import RSAKey

    genuine = openid_provider.signing_key
    openid_provider.signing_key = RSAKey.generate_key(
        2048, parameters={"kid": genuine.kid, "use": "sig", "alg": "RS256"}
    )
    published = genuine.as_dict(private=False)
    original_wsgi = openid_provider.server.httpd.get_app()

    def publish_the_genuine_key(environ, start_response):
        if environ["PATH_INFO"] == "/jwks":
            import json

            body = json.dumps({"keys": [published]}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        return original_wsgi(environ, start_response)

    openid_provider.server.httpd.set_app(publish_the_genuine_key)
    client = Client()
    assert oidc_sign_in(client, "kmj").status_code == 400, "the signature does not match the published key"
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="kmj").exists()


def test_role_groups_name_only_known_roles(settings):
    settings.SSO_ROLE_GROUPS = "jobbro-chef=boss"
    with pytest.raises(ValueError, match="unknown role"):
        sso.role_groups()
    settings.SSO_ROLE_GROUPS = ""
    assert sso.role_groups()["jobbro-job_broker"] == Role.JOB_BROKER


# --- SAML 2.0 -------------------------------------------------------------------------------------------------------


@pytest.fixture
def saml_identity_provider(tmp_path):
    provider = SamlIdentityProvider(tmp_path, people=PEOPLE).start()
    key_file, cert_file = key_and_certificate(tmp_path, "jobbro")
    with override_settings(
        SAML_ENABLED=True,
        SAML_IDP_METADATA_URL=provider.metadata_url,
        SAML_IDP_METADATA_FILE="",
        SAML_KEY_FILE=key_file,
        SAML_CERT_FILE=cert_file,
        SSO_BASE_URL="http://testserver",
        SAML_ENTITY_ID="",
        SSO_ROLE_GROUPS=ROLE_GROUPS,
        AUTHENTICATION_BACKENDS=[*BACKENDS, "jobbro.accounts.sso.SamlBackend"],
    ):
        provider.trust(str(entity_descriptor(sso.saml_config())))
        yield provider
    provider.stop()


def saml_sign_in(client, username, next_url=None):
    """jobbro's signed AuthnRequest → the provider's login page → its signed answer posted back to jobbro."""
    start = reverse("saml2_login") + (f"?next={next_url}" if next_url else "")
    to_provider = client.get(start)
    assert to_provider.status_code == 302 and to_provider.url.startswith(
        f"{saml_identity_provider_base(to_provider.url)}/sso"
    )
    browser = requests.Session()
    login_page = browser.get(to_provider.url)
    assert login_page.status_code == 200
    action, fields = posted_form(login_page.text)
    answer = browser.post(requests.compat.urljoin(to_provider.url, action), {**fields, "username": username})
    acs, posted = posted_form(answer.text)
    assert acs == "http://testserver/sso/saml/acs/" and "SAMLResponse" in posted
    return client.post(path_of(acs), posted)


def saml_identity_provider_base(url):
    return url.split("/sso")[0]


def test_saml_creates_a_caseworker_for_the_whole_programme(saml_identity_provider, programme, site):
    client = Client()
    response = saml_sign_in(client, "sag", next_url=reverse("citizen_list"))
    assert response.status_code == 302 and response.url == reverse("citizen_list")
    user = User.objects.get(username="sag")
    assert (user.role, user.first_name, user.email) == (Role.CASEWORKER, "Sara", "sag@randers.dk")
    assert list(Membership.objects.filter(user=user).values_list("programme", "site")) == [(programme.pk, None)]
    assert client.get(reverse("citizen_list")).status_code == 200


def test_saml_serves_jobbros_metadata_for_the_identity_provider(saml_identity_provider):
    metadata = Client().get(reverse("saml2_metadata"))
    assert metadata.status_code == 200
    text = metadata.content.decode()
    assert "http://testserver/sso/saml/acs/" in text and "X509Certificate" in text


def test_saml_refuses_someone_in_no_jobbro_group(saml_identity_provider, site):
    client = danish(Client())
    response = saml_sign_in(client, "nob")
    assert response.status_code == 403
    assert "Kommunens login gav dig ikke adgang til jobbro" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="nob").exists()


def test_saml_refuses_a_tampered_answer(saml_identity_provider, site):
    import base64

    client = Client()
    to_provider = client.get(reverse("saml2_login"))
    browser = requests.Session()
    action, fields = posted_form(browser.get(to_provider.url).text)
    answer = browser.post(requests.compat.urljoin(to_provider.url, action), {**fields, "username": "kmj"})
    acs, posted = posted_form(answer.text)
    xml = base64.b64decode(posted["SAMLResponse"]).decode()
    posted["SAMLResponse"] = base64.b64encode(xml.replace("jobbro-jobformidler", "jobbro-admin").encode()).decode()
    assert client.post(path_of(acs), posted).status_code == 403
    assert not User.objects.filter(username="kmj").exists()
