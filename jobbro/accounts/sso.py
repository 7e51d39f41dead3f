"""Single sign-on with the municipality's identity provider: SAML 2.0 (djangosaml2) and OpenID Connect
(mozilla-django-oidc), each switched on by its JOBBRO_SAML_* or JOBBRO_OIDC_* settings (docs/operations.md).

Whichever protocol signs a user in, the identity provider is the source of their jobbro account: the user is
created or updated from the claims (SAML attributes) on every sign-in by `apply_claims`, the one write here:

- the username, names and e-mail from their claims (JOBBRO_SSO_CLAIM_*);
- the role from the groups claim, through JOBBRO_SSO_ROLE_GROUPS ("group=role,..."; by default the group
  "jobbro-<role>" for each role, e.g. "jobbro-job_broker"); the first group in that list which the user is in wins.
  A user in none of the groups is refused;
- the memberships from the sites claim (a site's municipality code or name: membership of that site) and the
  programmes claim (a programme's name: membership of the whole programme). They are replaced on every sign-in,
  so taking a group away at the identity provider takes the access away at the next sign-in.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from djangosaml2.backends import Saml2Backend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.audit.log import log_change
from jobbro.audit.models import Action


def sign_in_options(request):
    """The "Log in with the municipality's login" buttons the login page shows, one per configured protocol."""
    next_url = request.GET.get("next", "")
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    options = []
    if settings.SAML_ENABLED:
        options.append(
            {
                "url": reverse("saml2_login") + query,
                "label": _("Log in with the municipality's login"),
                "protocol": "saml",
            }
        )
    if settings.OIDC_ENABLED:
        options.append(
            {
                "url": reverse("oidc_authentication_init") + query,
                "label": _("Log in with the municipality's login"),
                "protocol": "oidc",
            }
        )
    return options


# --- Claims to role and memberships -------------------------------------------------------------------------------


def role_groups():
    """Group name → role value, in the order they are tried."""
    configured = settings.SSO_ROLE_GROUPS
    if not configured:
        return {f"jobbro-{role}": role for role in Role.values}
    mapping = {}
    for pair in configured.split(","):
        group, _sep, role = pair.partition("=")
        if role.strip() not in Role.values:
            raise ValueError(f"JOBBRO_SSO_ROLE_GROUPS names an unknown role: {role.strip()!r}")
        mapping[group.strip()] = role.strip()
    return mapping


def _values(claims, name):
    """A claim as a list of strings: SAML attributes always are lists; OpenID Connect claims may be one string."""
    value = claims.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _first(claims, name):
    values = _values(claims, name)
    return values[0] if values else ""


def role_from(claims):
    groups = set(_values(claims, settings.SSO_CLAIMS["groups"]))
    return next((role for group, role in role_groups().items() if group in groups), None)


def username_from(claims):
    return _first(claims, settings.SSO_CLAIMS["username"])[: User._meta.get_field("username").max_length]


def _memberships_from(claims):
    """(programme, site) pairs: a site from its municipality code or name, a whole programme from its name."""
    sites = _values(claims, settings.SSO_CLAIMS["sites"])
    programmes = _values(claims, settings.SSO_CLAIMS["programmes"])
    pairs = {
        (site.programme_id, site.pk) for site in Site.objects.filter(Q(municipality_code__in=sites) | Q(name__in=sites))
    }
    pairs |= {(pk, None) for pk in Programme.objects.filter(name__in=programmes).values_list("pk", flat=True)}
    return pairs


@transaction.atomic
def apply_claims(user, claims, *, protocol):
    """Create or update the user from the identity provider's claims: names, e-mail, role and memberships."""
    role = role_from(claims)
    if role is None:
        raise SuspiciousOperation("The identity provider gave no group that maps to a jobbro role")
    created = user.pk is None
    if created:
        user.set_unusable_password()  # signs in through the identity provider only
    user.first_name = _first(claims, settings.SSO_CLAIMS["first_name"])[:150]
    user.last_name = _first(claims, settings.SSO_CLAIMS["last_name"])[:150]
    user.email = _first(claims, settings.SSO_CLAIMS["email"])[:254]
    user.role = role
    user.save()
    wanted = _memberships_from(claims)
    held = {(m.programme_id, m.site_id): m.pk for m in user.memberships.all()}
    Membership.objects.filter(pk__in=[pk for pair, pk in held.items() if pair not in wanted]).delete()
    Membership.objects.bulk_create(
        [Membership(user=user, programme_id=programme, site_id=site) for programme, site in wanted - held.keys()]
    )
    log_change(
        user=None,
        action=Action.SIGN_IN_FROM_IDENTITY_PROVIDER,
        obj=user,
        changes={
            "protocol": protocol,
            "created": created,
            "role": role,
            "memberships": sorted(f"{programme}/{site or '*'}" for programme, site in wanted),
        },
    )
    return user


# --- SAML 2.0 -----------------------------------------------------------------------------------------------------


def saml_config(request=None):
    """djangosaml2's configuration, built from the JOBBRO_SAML_* settings when a sign-in needs it."""
    if not settings.SAML_ENABLED:
        raise Http404
    base = settings.SSO_BASE_URL.rstrip("/")
    metadata = {}
    if settings.SAML_IDP_METADATA_URL:
        metadata["remote"] = [{"url": settings.SAML_IDP_METADATA_URL}]
    if settings.SAML_IDP_METADATA_FILE:
        metadata["local"] = [settings.SAML_IDP_METADATA_FILE]
    config = {
        "entityid": settings.SAML_ENTITY_ID or f"{base}{reverse('saml2_metadata')}",
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "attribute_map_dir": None,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "name": "jobbro",
                "endpoints": {
                    "assertion_consumer_service": [(f"{base}{reverse('saml2_acs')}", BINDING_HTTP_POST)],
                    "single_logout_service": [(f"{base}{reverse('saml2_ls')}", BINDING_HTTP_REDIRECT)],
                },
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "name_id_format_allow_create": True,
            },
        },
        "metadata": metadata,
        "key_file": settings.SAML_KEY_FILE,
        "cert_file": settings.SAML_CERT_FILE,
        "encryption_keypairs": [{"key_file": settings.SAML_KEY_FILE, "cert_file": settings.SAML_CERT_FILE}],
    }
    sp_config = SPConfig()
    sp_config.load(config)
    return sp_config


class SamlBackend(Saml2Backend):
    """A user signed in by the SAML identity provider, created or updated from its attributes (apply_claims)."""

    def is_authorized(self, attributes, attribute_mapping, idp_entityid, assertion_info, **kwargs):
        return role_from(attributes) is not None and bool(username_from(attributes))

    def _update_user(self, user, attributes, attribute_mapping, force_save=False):
        return apply_claims(user, attributes, protocol="saml")


# --- OpenID Connect -----------------------------------------------------------------------------------------------


class OidcBackend(OIDCAuthenticationBackend):
    """A user signed in by the OpenID provider: the id_token is checked (signature against the provider's JWKS,
    nonce, issuer, audience, expiry), then the user is created or updated from its claims and userinfo."""

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_ISSUER and payload.get("iss") != settings.OIDC_ISSUER:
            raise SuspiciousOperation("The id_token is from another issuer")
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id_token is meant for another client")
        if int(payload.get("exp", 0)) < timezone.now().timestamp():
            raise SuspiciousOperation("The id_token has expired")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims):
        return role_from(claims) is not None and bool(username_from(claims))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=username_from(claims))

    def create_user(self, claims):
        return apply_claims(User(username=username_from(claims)), claims, protocol="oidc")

    def update_user(self, user, claims):
        return apply_claims(user, claims, protocol="oidc")
