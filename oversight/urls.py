from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/start/", views.complaint_start, name="complaint_start"),
    path("complaints/<int:pk>/conclude/", views.complaint_conclude, name="complaint_conclude"),
    path(
        "complaints/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("complaints/<int:pk>/reveal/<str:field>/", views.contact_reveal, name="contact_reveal"),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
]
