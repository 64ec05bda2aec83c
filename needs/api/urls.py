from django.urls import path

from . import views

app_name = "needs_api"

urlpatterns = [
    path("households/", views.HouseholdListCreateApi.as_view(), name="household_list"),
    path("households/<int:pk>/", views.HouseholdDetailApi.as_view(), name="household_detail"),
    path("members/", views.MemberListApi.as_view(), name="member_list"),
    path("members/<int:pk>/", views.MemberDetailApi.as_view(), name="member_detail"),
    path("visits/", views.VisitListCreateApi.as_view(), name="visit_list"),
    path("visits/<int:pk>/", views.VisitDetailApi.as_view(), name="visit_detail"),
    path("needs/", views.NeedListCreateApi.as_view(), name="need_list"),
    path("needs/<int:pk>/", views.NeedDetailApi.as_view(), name="need_detail"),
    path("needs/<int:pk>/transition/", views.NeedTransitionApi.as_view(), name="need_transition"),
    path("consents/", views.ConsentListCreateApi.as_view(), name="consent_list"),
    path("consents/<int:pk>/", views.ConsentDetailApi.as_view(), name="consent_detail"),
    path("consents/<int:pk>/revoke/", views.ConsentRevokeApi.as_view(), name="consent_revoke"),
    path("filing/", views.FilingExportApi.as_view(), name="filing_export"),
]
