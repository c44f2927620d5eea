from django.urls import path

from . import views

app_name = "questionnaires"
urlpatterns = [
    path("s/<slug:slug>/session/<int:number>/pmq/<str:timepoint>/", views.pmq, name="pmq"),
]
