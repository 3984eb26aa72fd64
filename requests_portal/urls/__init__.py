"""The portal's URLs, one module per audience, all in the `requests_portal` namespace."""

from requests_portal.urls import member, public, staff

app_name = "requests_portal"
urlpatterns = [*public.urlpatterns, *member.urlpatterns, *staff.urlpatterns]
