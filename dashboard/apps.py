from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Researcher dashboard"

    def ready(self) -> None:
        from chat.events import session_finished

        from . import background

        session_finished.connect(background.on_session_finished, dispatch_uid="dyad-scoring")
