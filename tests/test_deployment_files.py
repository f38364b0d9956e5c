"""Docker cannot run here, so the deployment files are checked by reading them."""

from pathlib import Path

import yaml

from config import settings

PROJECT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def test_compose_has_the_whole_stack_from_one_image():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    images = {services[name].get("image") for name in ("web", "worker", "beat")}
    assert len(images) == 1 and None not in images
    assert all(services[name]["build"] == "." for name in ("web", "worker", "beat"))


def test_compose_databases_have_healthchecks_that_the_app_waits_for():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("web", "worker", "beat", "migrate"):
        depends = services[name]["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy", name


def test_compose_runs_gunicorn_celery_worker_and_beat_configured_from_env():
    services = compose()["services"]
    assert services["web"]["command"][0] == "gunicorn"
    assert "config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")


def test_env_example_lists_every_variable_the_settings_read():
    source = (PROJECT / "config" / "settings.py").read_text()
    import re

    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (PROJECT / ".env.example").read_text(), re.M))
    assert read, "no variables found in settings"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    assert settings.BASE_DIR == PROJECT


def test_dockerfile_serves_with_gunicorn_as_a_non_root_user():
    text = (PROJECT / "Dockerfile").read_text()
    assert "FROM python:3.11" in text
    assert "USER review" in text
    assert "gunicorn" in text and "requirements.txt" in text
