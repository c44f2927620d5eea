from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("s/<slug:slug>/session/<int:number>/chat/", views.chat, name="chat"),
    path("s/<slug:slug>/session/<int:number>/finish/", views.chat_finish, name="finish"),
    path("s/<slug:slug>/session/<int:number>/identity/", views.identity_edit, name="identity-edit"),
    path(
        "s/<slug:slug>/session/<int:number>/identity/panel/",
        views.identity_panel,
        name="identity-panel",
    ),
    path(
        "s/<slug:slug>/session/<int:number>/identity/proposals/<int:proposal_id>/",
        views.proposal_decide,
        name="proposal-decide",
    ),
    path("s/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("s/<slug:slug>/reveal/", views.reveal, name="reveal"),
]
