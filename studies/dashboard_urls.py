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
]
