from django.contrib import admin

from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The public holidays and the weekend days worked (调休) of the years chinese-calendar does
    not know yet: deadlines of referrals count working days with them."""

    list_display = ["day", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "day"
