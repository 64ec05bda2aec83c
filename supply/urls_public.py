"""The public showcase (推介会): published listings and how to apply, without login."""

from django.urls import path

from . import views

app_name = "showcase"

urlpatterns = [
    path("", views.showcase, name="index"),
    path("projects/<int:pk>/", views.showcase_project, name="project"),
]
