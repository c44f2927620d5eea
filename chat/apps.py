from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  registers the agent-turn task in every process
