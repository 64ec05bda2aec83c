"""The Excel page of the supply ledger; included by supply/urls.py (app_name "supply", under
/supply/)."""

from django.urls import path

from . import views_excel

urlpatterns = [
    path("excel/", views_excel.ledger_excel, name="excel"),
    path("excel/export/", views_excel.ledger_export, name="excel_export"),
    path("excel/template/", views_excel.ledger_template, name="excel_template"),
    path("excel/import/", views_excel.ledger_import, name="excel_import"),
]
