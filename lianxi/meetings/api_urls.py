"""The API paths a router cannot make: documents named with a file suffix (…/problem-list.xlsx). They answer with
or without a trailing slash; the schema documents the form without. Included by lianxi/api_urls.py before the
router."""

from django.urls import re_path

from lianxi.deputies.api import AnswerLetterView

from .api import MeetingDocumentView

DOCUMENT = r"^meetings/(?P<pk>\d+)/(?P<document>problem-list|responsibility-table)\.(?P<fmt>xlsx|docx)"
LETTER = r"^opinions/(?P<pk>\d+)/answer-letter\.docx"

urlpatterns = [
    re_path(DOCUMENT + "$", MeetingDocumentView.as_view(), name="api-meeting-document"),
    re_path(DOCUMENT + "/$", MeetingDocumentView.as_view(schema=None)),
    re_path(LETTER + "$", AnswerLetterView.as_view(), name="api-opinion-answer-letter"),
    re_path(LETTER + "/$", AnswerLetterView.as_view(schema=None)),
]
