import functools

from django.conf import settings
from django.http import Http404
from django.urls import path
from djangosaml2 import views as saml_views
from mozilla_django_oidc import views as oidc_views

from jobbro.accounts import views


def only_when(setting):
    """The single sign-on pages exist only while their protocol is configured; otherwise they are not found."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not getattr(settings, setting):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


saml = only_when("SAML_ENABLED")
oidc = only_when("OIDC_ENABLED")

urlpatterns = [
    path("konto/sikkerhed/", views.account_security, name="account_security"),
    path("konto/to-trin/", views.two_factor_verify, name="two_factor_verify"),
    path("konto/to-trin/opsaet/", views.two_factor_setup, name="two_factor_setup"),
    path("konto/to-trin/slaa-fra/", views.two_factor_turn_off, name="two_factor_turn_off"),
    # SAML 2.0: the sign-in request, the identity provider's answer, jobbro's metadata, the provider's logout.
    path("sso/saml/login/", saml(saml_views.LoginView.as_view()), name="saml2_login"),
    path("sso/saml/acs/", saml(saml_views.AssertionConsumerServiceView.as_view()), name="saml2_acs"),
    path("sso/saml/metadata/", saml(saml_views.MetadataView.as_view()), name="saml2_metadata"),
    path("sso/saml/ls/", saml(saml_views.LogoutView.as_view()), name="saml2_ls"),
    # OpenID Connect: the authorisation request and the provider's answer with the code.
    path(
        "sso/oidc/authenticate/",
        oidc(oidc_views.OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "sso/oidc/callback/",
        oidc(oidc_views.OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
]
