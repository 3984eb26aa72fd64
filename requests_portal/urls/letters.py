from django.urls import path

from requests_portal.views import files, letters

urlpatterns = [
    path("letters/<uuid:public_id>/download/", files.letter_download, name="letter_download"),
    path("staff/letters/", letters.staff_letter_list, name="staff_letter_list"),
    path("staff/cases/<uuid:public_id>/letters/", letters.staff_dsr_letters, name="staff_dsr_letters"),
    path("staff/letters/<uuid:public_id>/rerender/", letters.staff_letter_rerender, name="staff_letter_rerender"),
    path("staff/letters/<uuid:public_id>/posted/", letters.staff_letter_mark_posted, name="staff_letter_mark_posted"),
]
