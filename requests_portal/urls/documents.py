from django.urls import path

from requests_portal.views import files

urlpatterns = [
    path("documents/<uuid:public_id>/download/", files.document_download, name="document_download"),
]
