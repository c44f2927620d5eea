from django.urls import path

from . import views

app_name = "studies"
urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.entry, name="entry"),
    path("s/<slug:slug>/consent/", views.consent, name="consent"),
    path("s/<slug:slug>/declined/", views.declined, name="declined"),
    path("s/<slug:slug>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("s/<slug:slug>/instructions/", views.comprehension, name="comprehension"),
    path("s/<slug:slug>/wait/", views.wait, name="wait"),
    path("s/<slug:slug>/debrief/", views.debrief, name="debrief"),
    path("s/<slug:slug>/complete/", views.complete, name="complete"),
    path("media/<path:name>", views.partner_picture, name="partner-picture"),
]
