"""The public's pages of complaints (投诉举报), without login."""

from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_new, name="new"),
    path("filed/", views.complaint_filed, name="filed"),
    path("track/", views.complaint_track, name="track"),
]
