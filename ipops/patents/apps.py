from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatentsConfig(AppConfig):
    name = "ipops.patents"
    label = "patents"
    verbose_name = _("Patents")
