from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.derived import recompute_review
from reviews.models import Review


class Command(BaseCommand):
    help = "Recompute a review's dashboard panels and leaderboards now (normally a task does this)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--review", help="slug; all reviews when omitted")

    def handle(self, *args: Any, **options: Any) -> None:
        reviews = Review.objects.all()
        if options["review"]:
            reviews = reviews.filter(slug=options["review"])
            if not reviews:
                raise CommandError(f"no review {options['review']!r}")
        for review in reviews:
            report = recompute_review(review.pk)
            self.stdout.write(
                f"{review.slug}: {report.standings} standings, {report.subproblems} sub-problems, "
                f"{report.frontier} frontier methods, {report.leaderboard} leaderboard cells in {report.seconds:.1f} s"
            )
