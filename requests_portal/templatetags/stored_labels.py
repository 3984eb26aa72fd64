"""Template filters for Japanese text kept in the database (requests_portal/stored_text.py).
A template builtin (settings.TEMPLATES), like the staff date filters."""

from django import template

from requests_portal import stored_text

register = template.Library()

register.filter("stored_label", stored_text.stored_label)
register.filter("payment_methods_label", stored_text.payment_methods_label)
register.filter("timeline_note", stored_text.timeline_note)
