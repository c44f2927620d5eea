from django.urls import path

from . import dashboard

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.study_list, name="studies"),
    path("studies/<slug:slug>/", dashboard.study_detail, name="study"),
    path("studies/<slug:slug>/pmq/", dashboard.pmq_results, name="pmq"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/", dashboard.session_review, name="session"
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/", dashboard.session_live, name="live"
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/note/", dashboard.session_note, name="note"
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/pause/",
        dashboard.session_pause,
        name="pause",
    ),
]
