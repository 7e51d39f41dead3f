from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetGainConfig(AppConfig):
    name = "jobbro.netgain"
    label = "netgain"
    verbose_name = _("Net gain from work")
