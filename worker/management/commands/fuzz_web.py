"""The web fuzzer (`make faults`): see worker.ops.fuzz. Runs against a fresh test database (on
PostgreSQL when DATABASE_URL names one), seeded with a small review, and drops it afterwards."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment

from worker.ops import fuzz


class Command(BaseCommand):
    help = "Request every URL pattern with hostile path and query values, anonymously and as a curator: 0 5xx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reduced", action="store_true", help="a few values per parameter instead of all")

    def handle(self, *args: Any, **options: Any) -> None:
        values = fuzz.REDUCED_VALUES if options["reduced"] else fuzz.VALUES
        # Its own name: a test run (test_<name>) may be using the usual one at the same time.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"fuzz_{connection.settings_dict['NAME']}"[:63]
        setup_test_environment()
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        try:
            self.stdout.write(f"web fuzz on {connection.vendor} (a test database, seeded with a small review)")
            report = fuzz.fuzz_site(fuzz.seed_review(), values, self.stdout.write)
        finally:
            teardown_databases(databases, verbosity=0)
            teardown_test_environment()
        if report.five_xx:
            raise CommandError(f"web fuzz: {report.five_xx} server error(s) in {report.requests} requests")
