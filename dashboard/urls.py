from django.urls import path

from . import analytics_views, export_views, overview_views, pilot_views, views, wizard_views

app_name = "dashboard"
urlpatterns = [
    path("", views.study_list, name="studies"),
    path("studies/new/", views.study_new, name="study-new"),
    path("studies/new/copy/", views.study_new_copy, name="study-copy"),
    path("studies/<slug:slug>/edit/", views.study_edit, name="study-edit"),
    path("studies/<slug:slug>/publish/", views.study_publish, name="publish"),
    path("studies/<slug:slug>/preview/", views.preview, name="preview"),
    path("studies/<slug:slug>/withdraw/", views.participant_withdraw, name="withdraw"),
    path("studies/<slug:slug>/conditions/new/", views.condition_edit, name="condition-new"),
    path("studies/<slug:slug>/conditions/<slug:name>/", views.condition_edit, name="condition"),
    path("studies/<slug:slug>/", views.study_detail, name="study"),
    path("studies/<slug:slug>/pmq/", views.pmq_results, name="pmq"),
    path("studies/<slug:slug>/analytics/", analytics_views.analytics_page, name="analytics"),
    path("studies/<slug:slug>/live/", overview_views.live_overview, name="live-overview"),
    path(
        "studies/<slug:slug>/live/rows/",
        overview_views.live_overview_rows,
        name="live-overview-rows",
    ),
    path(
        "studies/<slug:slug>/analytics/score/",
        analytics_views.analytics_rescore,
        name="analytics-score",
    ),
    path("studies/<slug:slug>/pilots/", pilot_views.pilot_list, name="pilots"),
    path("studies/<slug:slug>/pilots/new/", pilot_views.pilot_new, name="pilot-new"),
    path(
        "studies/<slug:slug>/pilots/<int:pilot_id>/delete/",
        pilot_views.pilot_delete,
        name="pilot-delete",
    ),
    path("studies/<slug:slug>/export/", export_views.export_page, name="export"),
    path("studies/<slug:slug>/export.zip", export_views.export_zip, name="export-zip"),
    path(
        "studies/<slug:slug>/export/recruitment.csv",
        export_views.export_recruitment,
        name="export-recruitment",
    ),
    path("studies/<slug:slug>/export/<str:name>", export_views.export_file, name="export-file"),
    path("studies/<slug:slug>/sessions/<int:session_id>/", views.session_review, name="session"),
    path("studies/<slug:slug>/sessions/<int:session_id>/live/", views.session_live, name="live"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/identity/",
        views.session_live_identity,
        name="live-identity",
    ),
    path("studies/<slug:slug>/sessions/<int:session_id>/note/", views.session_note, name="note"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/",
        wizard_views.wizard_panel,
        name="wizard",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/send/",
        wizard_views.wizard_send,
        name="wizard-send",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/take/",
        wizard_views.wizard_take_over,
        name="wizard-take",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/pause/",
        views.session_pause,
        name="pause",
    ),
]
