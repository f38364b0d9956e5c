"""/health/ tells anonymous callers only what failed, never how; the details go to the log (issue 15.7)."""

import logging

from django.urls import reverse


def test_anonymous_callers_get_no_error_details(client, db, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="worker.health"):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == {"ok": False, "configured": True, "error": "unavailable"}
    assert b"6390" not in response.content and b"connecting" not in response.content
    assert any("6390" in record.getMessage() for record in caplog.records)


def test_staff_see_the_error_details(client, db, settings, superuser):
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"
    client.force_login(superuser)
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert "6390" in response.json()["redis"]["error"]
