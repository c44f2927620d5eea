from django.urls import path

from .consumers import StudyWatchConsumer

websocket_urlpatterns = [
    path("ws/watch-study/<slug:slug>/", StudyWatchConsumer.as_asgi()),
]
