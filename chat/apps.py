from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        from . import tasks, turns  # tasks: registers the agent-turn task in every process

        del tasks
        turns.register()
