from typing import Any

from django.core.management.base import BaseCommand

from reviews.services import load_reference_data


class Command(BaseCommand):
    help = "Create the shipped reviews and load the method and benchmark registries (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_reference_data()
        self.stdout.write(
            f"reviews +{report.reviews_created}, methods +{report.methods_created}, "
            f"benchmarks +{report.benchmarks_created}, aliases +{report.aliases_created}"
            + (
                f", {report.alias_conflicts} alias conflict(s) left as curators set them"
                if report.alias_conflicts
                else ""
            )
        )
