from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.ledger import verify_review
from reviews.models import Review


class Command(BaseCommand):
    help = "Check every stored quote of a review against its paper's text; exit 1 below the threshold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--review", required=True)
        parser.add_argument("--min-score", type=float, default=None, help="default: QUOTE_PROOF_THRESHOLD")

    def handle(self, *args: Any, **options: Any) -> None:
        review = Review.objects.filter(slug=options["review"]).first()
        if review is None:
            raise CommandError(f"no review {options['review']!r}")
        report = verify_review(review)
        minimum = options["min_score"] if options["min_score"] is not None else settings.QUOTE_PROOF_THRESHOLD
        for failure in report.failures:
            self.stdout.write(
                f"NOT FOUND {failure['paper']} {failure['kind']} #{failure['id']} p.{failure['page'] or '?'} "
                f"{failure['locator']} (best overlap {failure['score']}): {failure['quote']}"
            )
        self.stdout.write(
            f"proof score {report.score:.3f}: {report.verified}/{report.checked} quotes found (minimum {minimum})"
        )
        if report.score < minimum:
            raise CommandError(f"proof score {report.score:.3f} is below {minimum}")
