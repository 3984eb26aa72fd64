"""A real worker on Redis delivers the outbox mail written by a submission, exactly once."""

import pytest

from requests_portal.models import OutboundMail
from tests.factories import member_user, submit
from tests.integration.conftest import read_mail_files, wait_for

pytestmark = [pytest.mark.integration]


def test_submission_mail_is_delivered_by_the_worker(celery_worker_process, tmp_path):
    member = member_user()
    dsr = submit(member)
    mail = OutboundMail.objects.get(dsr=dsr)
    wait_for(lambda: OutboundMail.objects.get(pk=mail.pk).sent_at, timeout=60, what="mail sent by the worker")
    messages = read_mail_files(tmp_path / "mail")
    assert len(messages) == 1
    assert dsr.reference in messages[0]["body"]
    assert messages[0]["to"] == member.email
    assert "succeeded" in celery_worker_process.log()
