from django.urls import path

from chat import views as chat_views

from . import views

app_name = "studies"
urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.entry, name="entry"),
    path("s/<slug:slug>/consent/", views.consent, name="consent"),
    path("s/<slug:slug>/declined/", views.declined, name="declined"),
    path("s/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("s/<slug:slug>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("s/<slug:slug>/session/<int:number>/pmq/<str:timepoint>/", views.pmq, name="pmq"),
    path("s/<slug:slug>/session/<int:number>/chat/", views.chat, name="chat"),
    path("s/<slug:slug>/session/<int:number>/finish/", views.chat_finish, name="chat-finish"),
    path(
        "s/<slug:slug>/session/<int:number>/identity/",
        chat_views.identity_edit,
        name="identity-edit",
    ),
    path(
        "s/<slug:slug>/session/<int:number>/identity/panel/",
        chat_views.identity_panel,
        name="identity-panel",
    ),
    path(
        "s/<slug:slug>/session/<int:number>/identity/proposals/<int:proposal_id>/",
        chat_views.proposal_decide,
        name="proposal-decide",
    ),
    path("s/<slug:slug>/wait/", views.wait, name="wait"),
    path("s/<slug:slug>/debrief/", views.debrief, name="debrief"),
    path("s/<slug:slug>/complete/", views.complete, name="complete"),
]
