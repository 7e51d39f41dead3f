import functools

from django.conf import settings
from django.http import Http404
from django.urls import path
from djangosaml2 import views as saml_views
from mozilla_django_oidc import views as oidc_views

from jobbro.accounts import setup_views, views


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
    # Setting up programmes, sites, staff memberships, result goals and settings (administrators).
    path("administration/programmes/", setup_views.programme_list, name="setup_programmes"),
    path("administration/programmes/new/", setup_views.programme_new, name="setup_programme_new"),
    path("administration/programmes/<int:programme_pk>/", setup_views.programme_detail, name="setup_programme"),
    path("administration/programmes/<int:programme_pk>/edit/", setup_views.programme_edit, name="setup_programme_edit"),
    path(
        "administration/programmes/<int:programme_pk>/settings/",
        setup_views.programme_settings,
        name="setup_programme_settings",
    ),
    path("administration/programmes/<int:programme_pk>/sites/new/", setup_views.site_new, name="setup_site_new"),
    path("administration/sites/<int:site_pk>/edit/", setup_views.site_edit, name="setup_site_edit"),
    path(
        "administration/programmes/<int:programme_pk>/staff/new/",
        setup_views.membership_new,
        name="setup_membership_new",
    ),
    path(
        "administration/memberships/<int:membership_pk>/remove/",
        setup_views.membership_remove,
        name="setup_membership_remove",
    ),
    path(
        "administration/programmes/<int:programme_pk>/result-goals/new/",
        setup_views.result_goal_new,
        name="setup_result_goal_new",
    ),
    path(
        "administration/result-goals/<int:result_goal_pk>/edit/",
        setup_views.result_goal_edit,
        name="setup_result_goal_edit",
    ),
    path(
        "administration/result-goals/<int:result_goal_pk>/delete/",
        setup_views.result_goal_delete,
        name="setup_result_goal_delete",
    ),
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
