from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "jobbro.portal"
    label = "portal"
    verbose_name = _("Links for people without an account")
