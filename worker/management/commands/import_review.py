import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.derived import recompute_review
from reviews.models import Review
from worker.ops.backup import ImportError_, import_review


class Command(BaseCommand):
    help = "Load a review dump (from export_review) into an empty database, then recompute its views."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dump = json.loads(options["dump"].read_text(encoding="utf-8"))
            loaded = import_review(dump)
        except (OSError, ValueError, ImportError_) as exc:
            raise CommandError(str(exc)) from None
        review = Review.objects.get(slug=dump["review"])
        recompute_review(review.pk)
        self.stdout.write(f"loaded {loaded} rows and {len(dump['users'])} users; views of {review.slug} recomputed")
