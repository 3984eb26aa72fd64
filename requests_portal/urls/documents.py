from django.urls import path

from requests_portal.views import files

urlpatterns = [
    path("documents/<uuid:public_id>/download/", files.document_download, name="document_download"),
    path("staff/documents/<uuid:public_id>/view/", files.staff_document_view, name="staff_document_view"),
]
