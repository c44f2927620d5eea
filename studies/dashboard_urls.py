from django.urls import path

from . import dashboard, export_views

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.study_list, name="studies"),
    path("studies/new/", dashboard.study_new, name="study-new"),
    path("studies/<slug:slug>/edit/", dashboard.study_edit, name="study-edit"),
    path("studies/<slug:slug>/publish/", dashboard.study_publish, name="publish"),
    path("studies/<slug:slug>/preview/", dashboard.preview, name="preview"),
    path("studies/<slug:slug>/withdraw/", dashboard.participant_withdraw, name="withdraw"),
    path("studies/<slug:slug>/conditions/new/", dashboard.condition_edit, name="condition-new"),
    path("studies/<slug:slug>/conditions/<slug:name>/", dashboard.condition_edit, name="condition"),
    path("studies/<slug:slug>/", dashboard.study_detail, name="study"),
    path("studies/<slug:slug>/pmq/", dashboard.pmq_results, name="pmq"),
    path("studies/<slug:slug>/export/", export_views.export_page, name="export"),
    path("studies/<slug:slug>/export.zip", export_views.export_zip, name="export-zip"),
    path(
        "studies/<slug:slug>/export/recruitment.csv",
        export_views.export_recruitment,
        name="export-recruitment",
    ),
    path("studies/<slug:slug>/export/<str:name>", export_views.export_file, name="export-file"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/", dashboard.session_review, name="session"
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/", dashboard.session_live, name="live"
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/identity/",
        dashboard.session_live_identity,
        name="live-identity",
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
