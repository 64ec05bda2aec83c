"""The public demand signals of the showcase (推介会), without login."""

from django.urls import path

from . import views_demand

app_name = "demand"

urlpatterns = [
    path("", views_demand.showcase_demand, name="showcase"),
]
