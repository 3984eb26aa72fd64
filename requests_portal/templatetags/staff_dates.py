"""Template filters for the staff date style (requests_portal/date_styles.py). The library is
a template builtin (settings.TEMPLATES), so staff templates need no `{% load %}` for it."""

from django import template

from requests_portal.date_styles import staff_date, staff_datetime

register = template.Library()
register.filter("staff_date", staff_date)
register.filter("staff_datetime", staff_datetime)
