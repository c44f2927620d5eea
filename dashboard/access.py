"""Who may see what on the researcher side: every page goes through here.

A researcher sees only the studies they own or collaborate on; any other study answers
exactly like one that does not exist ("not found"), so its slug tells nobody that it is
there. People who are not signed in (participants among them) are sent to the sign-in page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from chat.models import ChatSession
from studies.models import Study


def researcher_study(view):
    """The view is called with the study of the URL's ``slug`` in place of the slug."""

    @login_required
    @wraps(view)
    def wrapped(request, slug: str, **kwargs):
        study = Study.objects.visible_to(request.user).filter(slug=slug).first()
        if study is None:
            raise Http404("No such study.")
        return view(request, study, **kwargs)

    return wrapped


def session_of(study: Study, session_id: int) -> ChatSession:
    """One of the study's sessions (404 for any other), with its participant's condition."""
    return get_object_or_404(
        ChatSession.objects.select_related("participant__condition"),
        pk=session_id,
        participant__study=study,
    )
