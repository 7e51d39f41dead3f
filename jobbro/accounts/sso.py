"""Single sign-on with the municipality's identity provider: SAML 2.0 (djangosaml2) and OpenID Connect
(mozilla-django-oidc), each switched on by its JOBBRO_SAML_* or JOBBRO_OIDC_* settings."""

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


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
