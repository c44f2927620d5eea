from django.urls import path

from .views import (
    analytics,
    design,
    exports,
    overview,
    pilots,
    plan,
    ratings,
    sessions,
    studies,
    wizard,
)

app_name = "dashboard"
urlpatterns = [
    path("", studies.study_list, name="studies"),
    path("studies/new/", studies.study_new, name="study-new"),
    path("studies/new/copy/", studies.study_new_copy, name="study-copy"),
    path("studies/<slug:slug>/edit/", design.study_edit, name="study-edit"),
    path("studies/<slug:slug>/publish/", design.study_publish, name="publish"),
    path("studies/<slug:slug>/preview/", studies.preview, name="preview"),
    path("studies/<slug:slug>/withdraw/", studies.participant_withdraw, name="withdraw"),
    path("studies/<slug:slug>/conditions/new/", design.condition_edit, name="condition-new"),
    path("studies/<slug:slug>/conditions/<slug:name>/", design.condition_edit, name="condition"),
    path("studies/<slug:slug>/", studies.study_detail, name="study"),
    path("studies/<slug:slug>/pmq/", analytics.pmq_results, name="pmq"),
    path("studies/<slug:slug>/plan/", plan.plan_page, name="plan"),
    path("studies/<slug:slug>/plan/lock/", plan.plan_lock, name="plan-lock"),
    path("studies/<slug:slug>/analytics/", analytics.analytics_page, name="analytics"),
    path("studies/<slug:slug>/live/", overview.live_overview, name="live-overview"),
    path(
        "studies/<slug:slug>/live/rows/",
        overview.live_overview_rows,
        name="live-overview-rows",
    ),
    path(
        "studies/<slug:slug>/analytics/score/",
        analytics.analytics_rescore,
        name="analytics-score",
    ),
    path("studies/<slug:slug>/ratings/", ratings.ratings_page, name="ratings"),
    path(
        "studies/<slug:slug>/ratings/<int:sample_id>/",
        ratings.rating_sample,
        name="rating-sample",
    ),
    path(
        "studies/<slug:slug>/ratings/<int:sample_id>/rate/",
        ratings.rating_rate,
        name="rating-rate",
    ),
    path("studies/<slug:slug>/pilots/", pilots.pilot_list, name="pilots"),
    path("studies/<slug:slug>/pilots/new/", pilots.pilot_new, name="pilot-new"),
    path(
        "studies/<slug:slug>/pilots/<int:pilot_id>/delete/",
        pilots.pilot_delete,
        name="pilot-delete",
    ),
    path("studies/<slug:slug>/export/", exports.export_page, name="export"),
    path("studies/<slug:slug>/export.zip", exports.export_zip, name="export-zip"),
    path(
        "studies/<slug:slug>/export/recruitment.csv",
        exports.export_recruitment,
        name="export-recruitment",
    ),
    path("studies/<slug:slug>/export/<str:name>", exports.export_file, name="export-file"),
    path("studies/<slug:slug>/sessions/<int:session_id>/", sessions.session_review, name="session"),
    path("studies/<slug:slug>/sessions/<int:session_id>/live/", sessions.session_live, name="live"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/identity/",
        sessions.session_live_identity,
        name="live-identity",
    ),
    path("studies/<slug:slug>/sessions/<int:session_id>/note/", sessions.session_note, name="note"),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/",
        wizard.wizard_panel,
        name="wizard",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/send/",
        wizard.wizard_send,
        name="wizard-send",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/live/wizard/take/",
        wizard.wizard_take_over,
        name="wizard-take",
    ),
    path(
        "studies/<slug:slug>/sessions/<int:session_id>/pause/",
        sessions.session_pause,
        name="pause",
    ),
]
