from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from .views import MeApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api_me"),
    path("auth/token/", obtain_auth_token, name="api_token"),
]
