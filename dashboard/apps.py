from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Researcher dashboard"

    def ready(self) -> None:
        from chat import background
        from chat.events import session_finished

        from . import pilots, scoring, tasks  # tasks: registers the jobs' tasks in every process

        del tasks
        in_thread = background.in_thread
        background.register(
            background.Job(background.SCORE_SESSION, run=in_thread(scoring.session_score)),
            background.Job(background.SCORE_STUDY, run=in_thread(scoring.study_score)),
            background.Job(background.PILOT, run=in_thread(pilots.pilot_run)),
        )
        session_finished.connect(scoring.on_session_finished, dispatch_uid="dyad-scoring")
