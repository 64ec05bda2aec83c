from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = _("AidBridge administration")
admin.site.site_title = _("AidBridge")
admin.site.index_title = _("Housekeeping")

# Swagger UI (served from our own static files by the sidecar) sets inline styles.
_swagger = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

# JSON for an /api/ address no view serves, the HTML page elsewhere.
handler404 = "accounts.api.errors.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", _swagger, name="swagger-ui"),
    path("api/needs/", include("needs.api.urls")),
    path("api/supply/", include("supply.api.urls")),
    path("api/matching/", include("matching.api.urls")),
    path("api/referrals/", include("referrals.api.urls")),
    path("api/reports/", include("reports.api.urls")),
    path("api/oversight/", include("oversight.api.urls")),
    path("api/", include("accounts.api.urls")),
    path("needs/", include("needs.urls")),
    path("supply/", include("supply.urls")),
    path("matching/", include("matching.urls")),
    path("referrals/", include("referrals.urls")),
    path("reports/", include("reports.urls")),
    path("oversight/", include("oversight.urls")),
    path("complaints/", include("oversight.urls_public")),
    path("showcase/demand/", include("matching.urls_demand")),
    path("showcase/", include("supply.urls_public")),
    path("", include("accounts.urls")),
]
