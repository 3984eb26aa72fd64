from django.urls import path

from requests_portal.views import files

urlpatterns = [
    path("letters/<uuid:public_id>/download/", files.letter_download, name="letter_download"),
]
