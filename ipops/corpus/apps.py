from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorpusConfig(AppConfig):
    name = "ipops.corpus"
    label = "corpus"
    verbose_name = _("Derived stores")

    def ready(self) -> None:
        from ipops.corpus import jobs  # noqa: F401  (registers the corpus.refresh job kind)
