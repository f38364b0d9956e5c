"""Shared bases of the two name registries, methods (baselines) and benchmarks (benchmarks): a
canonical name with a slug, spellings as alias rows, and provisional entries for names a paper used
that no curator has approved yet. They live in the lowest app so both registries build on them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction

from papers.provenance import Receipt, ReceiptQuerySet
from worker.extract.names import name_slug, normalize_name, unique_slug


class NamedQuerySet(models.QuerySet):
    def by_name(self, name: str) -> Any:
        """The entry a name or alias refers to, after normalisation, or None."""
        key = normalize_name(name)
        if not key:
            return None
        return self.filter(aliases__normalized=key).first()

    def provisional(self, name: str, **defaults: Any) -> Any:
        """The entry a new name waits under, made once (with its alias) even when two workers store
        papers naming it at the same moment: the second insert hits the unique name or alias and
        takes the first's row."""
        aliases = self.model._meta.get_field("aliases")
        try:
            with transaction.atomic():  # a savepoint: a lost race rolls back only this
                entry, _ = self.get_or_create(name=name, defaults={**defaults, "provisional": True})
                aliases.related_model.objects.get_or_create(**{aliases.field.name: entry}, alias=name)
                return entry
        except IntegrityError:
            found = self.by_name(name) or self.filter(name=name).first()
            if found is None:
                raise
            return found


class NamedEntry(models.Model):
    """Abstract: a canonical name, its URL slug, and whether a curator has approved it yet."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    provisional = models.BooleanField(
        default=False,
        help_text="Named by a paper but not approved by a curator yet: its receipts wait in the queue and "
        "count on no public page until its candidate is approved (or it is merged into a known entry).",
    )

    objects = NamedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            others = type(self).objects.exclude(pk=self.pk)
            self.slug = unique_slug(name_slug(self.name), lambda slug: others.filter(slug=slug).exists())
        super().save(*args, **kwargs)


class Alias(models.Model):
    """Abstract: one spelling of an entry's name; the normalised form is unique across the registry.
    Subclasses add the foreign key to their entry, with related_name="aliases"."""

    alias = models.CharField(max_length=160)
    normalized = models.CharField(max_length=160, unique=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["alias"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized = normalize_name(self.alias)
        super().save(*args, **kwargs)


class CandidateQuerySet(ReceiptQuerySet):
    def replace_pending(self, paper_id: int, extractor: str, version: str, rows: list[Any]) -> tuple[int, int]:
        """As for every receipt, but a name the paper already has a candidate for (decided, or from
        another extractor) is not added again: one candidate per name and paper."""
        replaced, _ = self.filter(paper_id=paper_id).pending().from_extractor(extractor, version).delete()
        known = set(self.filter(paper_id=paper_id).values_list("normalized", flat=True))
        fresh = []
        for row in rows:
            row.normalized = normalize_name(row.name)  # bulk_create does not call save()
            if row.normalized not in known:
                known.add(row.normalized)
                fresh.append(row)
        self.bulk_create(fresh)
        return replaced, len(fresh)


class CandidateReceipt(Receipt):
    """Abstract receipt: a name in `paper` that no registry knows yet, for curators to approve,
    correct or merge; one per name and paper. Subclasses add `resolved_<entry> = resolved_entry(...)`."""

    name = models.CharField(max_length=160)
    normalized = models.CharField(max_length=160, editable=False)

    objects = CandidateQuerySet.as_manager()

    class Meta(Receipt.Meta):
        abstract = True
        constraints = [
            *Receipt.Meta.constraints,
            models.UniqueConstraint(fields=["paper", "normalized"], name="%(app_label)s_%(class)s_once_per_paper"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.name!r} in {self.paper.arxiv_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


def resolved_entry(entry: type[models.Model] | str, what: str) -> models.ForeignKey:
    """A candidate's link to the registry: the provisional entry its receipts wait on, then the entry
    it became (or was merged into) once a curator approved it."""
    return models.ForeignKey(
        entry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=f"The provisional {what} its receipts wait on, then the {what} it became.",
    )
