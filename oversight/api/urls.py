from django.urls import path

from . import views

app_name = "oversight_api"

urlpatterns = [
    path("complaints/", views.ComplaintListApi.as_view(), name="complaint_list"),
    path("complaints/<int:pk>/", views.ComplaintDetailApi.as_view(), name="complaint_detail"),
    path("complaints/<int:pk>/start/", views.ComplaintStartApi.as_view(), name="complaint_start"),
    path(
        "complaints/<int:pk>/conclude/",
        views.ComplaintConcludeApi.as_view(),
        name="complaint_conclude",
    ),
]
