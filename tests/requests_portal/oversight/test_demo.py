"""The demo: a supervisor sees populated charts, and the history is clearly demo data."""

import base64
from io import StringIO

import pytest

from django.core.management import call_command
from django.urls import reverse

from requests_portal.models import DataSubjectRequest, Document, RequestEvent, RequestKind, User
from requests_portal.retention import purge_preview

pytestmark = pytest.mark.django_db


def test_demo_file_key_is_a_valid_fernet_key():
    from keiseikyo import settings as production

    assert len(base64.b64decode(production._DEV_FILE_KEY)) == 32


def test_seed_demo_adds_a_year_of_marked_history(client):
    call_command("seed_demo", stdout=StringIO())
    history = DataSubjectRequest.objects.filter(details__demo_history=True)
    assert history.count() > 800
    assert all("-D" in ref for ref in history.values_list("reference", flat=True))
    assert not history.exclude(summary__startswith="【デモ】").exists()
    assert history.filter(kind=RequestKind.MY_NUMBER_INQUIRY, queue__code="mynumber").exists()
    assert not history.filter(kind=RequestKind.MY_NUMBER_INQUIRY, queue__code="ga").exists()
    assert RequestEvent.objects.filter(dsr__in=history, event_type="extended").exists()
    # Idempotent.
    out = StringIO()
    call_command("seed_demo_history", stdout=out)
    assert "already present" in out.getvalue()
    assert DataSubjectRequest.objects.filter(details__demo_history=True).count() == history.count()
    # The retention preview has something to show: old case files and identity evidence.
    plan = {category.category: category.count for category in purge_preview().categories}
    assert plan["case_file"] >= 3
    assert plan["identity_evidence"] == 3
    assert Document.objects.filter(dsr__isnull=True).count() == 1

    client.force_login(User.objects.get(email="ga-supervisor@demo.keiseikyo.example"))
    response = client.get(reverse("requests_portal:oversight_dashboard"))
    report = response.context["report"]
    assert report.received_total > 500
    assert report.timeliness.decided > 400
    assert report.table("refusals").rows
    assert report.table("overdue").rows
    assert response.content.decode().count("<svg") >= 8


def test_demo_supervisor_can_log_in_and_open_the_dashboard(client):
    call_command("seed_demo", stdout=StringIO())
    response = client.post(
        reverse("account_login"),
        {"login": "ga-supervisor@demo.keiseikyo.example", "password": "Keiseikyo-demo-2026"},
    )
    assert response.status_code == 302
    assert "confirm-email" not in response["Location"]
    # Staff pages wait for the second factor (enrolment on a first login)…
    assert client.get(reverse("requests_portal:oversight_dashboard"))["Location"].startswith("/accounts/2fa/")
    # …and answer once it is proved (force_login stands for a completed sign-in, see tests/staff_login.py).
    client.force_login(User.objects.get(email="ga-supervisor@demo.keiseikyo.example"))
    assert client.get(reverse("requests_portal:oversight_dashboard")).status_code == 200
