"""Excel export and import and the filing export of the need ledger; included by needs/urls.py
(app_name "needs")."""

from django.urls import path

from . import views_excel, views_filing

urlpatterns = [
    path("excel/", views_excel.ledger_excel, name="ledger_excel"),
    path("export/households/", views_excel.household_export, name="household_export"),
    path("export/needs/", views_excel.need_export, name="need_export"),
    path("import/template/", views_excel.import_template, name="import_template"),
    path("import/households/", views_excel.household_import, name="household_import"),
    path("export/filing/", views_filing.filing_export, name="filing_export"),
]
