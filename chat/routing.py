from django.urls import path

from .consumers import ChatConsumer
from .watch import WatchConsumer

websocket_urlpatterns = [
    path("ws/chat/<int:session_id>/", ChatConsumer.as_asgi()),
    path("ws/watch/<int:session_id>/", WatchConsumer.as_asgi()),
]
