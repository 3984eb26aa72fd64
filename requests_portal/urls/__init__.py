"""The portal's URLs, one module per area, all in the `requests_portal` namespace."""

from requests_portal.urls import documents, incidents, letters, member, oversight, public, staff

app_name = "requests_portal"
urlpatterns = [
    *public.urlpatterns,
    *member.urlpatterns,
    *staff.urlpatterns,
    *documents.urlpatterns,
    *letters.urlpatterns,
    *oversight.urlpatterns,
    *incidents.urlpatterns,
]
