from django.urls import path, re_path

from .consumers import ChatConsumer, NoSuchSocket
from .watch import WatchConsumer

websocket_urlpatterns = [
    path("ws/chat/<int:session_id>/", ChatConsumer.as_asgi()),
    path("ws/watch/<int:session_id>/", WatchConsumer.as_asgi()),
]
# Last, after every app's routes: any other address is closed with 4404, not a 500.
no_such_socket = [re_path(r"", NoSuchSocket.as_asgi())]
