from django.urls import path

from .views import MeApi, TokenObtainApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api_me"),
    path("auth/token/", TokenObtainApi.as_view(), name="api_token"),
]
