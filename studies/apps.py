from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "studies"

    def ready(self) -> None:
        from django.utils.translation import gettext

        from . import words

        words.install(gettext)  # pure modules translate through it (studies.words)
