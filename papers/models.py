from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse

from config.text_safety import http_url, plain_text
from papers.provenance import Receipt

# Text a feed entry or a PDF gives a paper: stripped of control characters before it is stored.
PAPER_TEXT_FIELDS = ("title", "abstract", "primary_category", "doi", "journal_ref", "comment", "abs_url", "pdf_url")
PAPER_TEXT_LISTS = ("authors", "categories")
# Links are stored only when they are http(s); `abs_link`/`pdf_link` guard the pages too.
PAPER_LINKS = ("abs_url", "pdf_url")


class PaperQuerySet(models.QuerySet):
    def listed(self) -> PaperQuerySet:
        """Papers as list pages show them: without the abstract and the raw feed entry."""
        return self.defer("abstract", "raw_entry")

    def fetched(self) -> PaperQuerySet:
        """Papers whose metadata came from arXiv (not stubs known only by reference)."""
        return self.filter(is_stub=False)


class Paper(models.Model):
    """An arXiv paper, keyed by its id without version; the latest version's metadata."""

    arxiv_id = models.CharField(max_length=40, unique=True, help_text="Without version, e.g. 2210.17323.")
    version = models.PositiveSmallIntegerField(default=1)
    # Known only by reference (a method registry entry, a citation) until its feed entry arrives.
    is_stub = models.BooleanField(default=False)
    title = models.TextField()
    authors = models.JSONField(default=list, blank=True, help_text="Author names in the paper's order.")
    abstract = models.TextField(blank=True)
    categories = models.JSONField(default=list, blank=True)
    primary_category = models.CharField(max_length=40, blank=True)
    published = models.DateTimeField(null=True, blank=True, help_text="When version 1 appeared.")
    updated = models.DateTimeField(null=True, blank=True, help_text="When the latest version appeared.")
    doi = models.CharField(max_length=255, null=True, blank=True, unique=True)
    journal_ref = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    abs_url = models.URLField(max_length=500, blank=True)
    pdf_url = models.URLField(max_length=500, blank=True)
    withdrawn = models.BooleanField(default=False)
    raw_entry = models.JSONField(default=dict, blank=True, help_text="The feed entry as received.")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "arxiv_id"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="paper_version_positive"),
            models.CheckConstraint(
                condition=~Q(arxiv_id="") & ~Q(arxiv_id__regex=r"v[0-9]+$"), name="paper_arxiv_id_unversioned"
            ),
            models.CheckConstraint(condition=~Q(doi=""), name="paper_doi_null_not_empty"),
        ]
        indexes = [
            models.Index(fields=["-published"], name="paper_published_desc"),
            models.Index(fields=["is_stub", "-published"], name="paper_stub_published"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}v{self.version} {self.title[:80]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.strip_control_characters()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", args=[self.arxiv_id])

    def strip_control_characters(self) -> None:
        """Drop control characters from every text field (`config.text_safety.plain_text`) and any
        link that is not http(s) (`http_url`); `save`
        does it, and so must every write that bypasses it (`bulk_create` in `upsert_papers`). Deferred
        fields are left alone (they were not changed, and reading them would cost a query each)."""
        loaded = self.__dict__
        for name in PAPER_TEXT_FIELDS:
            if isinstance(loaded.get(name), str):
                loaded[name] = plain_text(loaded[name])
        for name in PAPER_TEXT_LISTS:
            if isinstance(loaded.get(name), list):
                loaded[name] = [plain_text(v) if isinstance(v, str) else v for v in loaded[name]]
        for name in PAPER_LINKS:
            if isinstance(loaded.get(name), str):
                loaded[name] = http_url(loaded[name])

    @property
    def abs_link(self) -> str:
        return http_url(self.abs_url)

    @property
    def pdf_link(self) -> str:
        return http_url(self.pdf_url)

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""

    def page_texts(self) -> dict[int, str]:
        """Page number -> text of the parse of the paper's current version (empty before it is parsed)."""
        return dict(
            ParsedPage.objects.filter(
                document__paper=self, document__version=self.version, document__status=DocumentStatus.PARSED
            ).values_list("number", "text")
        )


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for download"
    DOWNLOADED = "downloaded", "Downloaded"
    PARSED = "parsed", "Parsed"
    FAILED = "failed", "Failed"


def document_upload_path(document: PaperDocument, filename: str) -> str:
    return f"pdfs/{document.paper.arxiv_id.replace('/', '_')}v{document.version}.pdf"


class PaperDocument(models.Model):
    """One version's PDF as cached on disk, and the outcome of parsing it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveSmallIntegerField()
    source_url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to=document_upload_path, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    error = models.TextField(blank=True, help_text="Why download or parsing failed, for operators.")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    parser_version = models.CharField(max_length=64, blank=True)
    download_seconds = models.FloatField(null=True, blank=True)
    parse_seconds = models.FloatField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    parsed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "version"], name="document_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_positive"),
            models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name="document_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.FAILED) | ~Q(error=""), name="document_failure_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "modified_at"], name="document_status_modified")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}v{self.version} PDF ({self.status})"

    def parsed_twin(self) -> PaperDocument | None:
        """Another document with the same PDF (sha256) that is already parsed, or None."""
        if not self.sha256:
            return None
        return (
            PaperDocument.objects.filter(sha256=self.sha256, status=DocumentStatus.PARSED).exclude(pk=self.pk).first()
        )


class ParsedPage(models.Model):
    """The text and tables of one page of a parsed PDF."""

    document = models.ForeignKey(PaperDocument, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField(help_text="1-based.")
    text = models.TextField(blank=True)
    tables = models.JSONField(default=list, blank=True, help_text="Tables found on the page: rows of cells.")
    captions = models.JSONField(default=list, blank=True, help_text='Caption lines such as "Table 3: ...".')

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="page_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="page_number_1_based"),
        ]

    def __str__(self) -> str:
        return f"{self.document} p.{self.number}"


class Reference(models.Model):
    """One entry of a paper's reference list, and the known paper it names when matched."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveIntegerField(help_text="Order in the list, from 1.")
    label = models.CharField(
        max_length=120, blank=True, help_text='As cited in the text: "12" or "Frantar et al., 2022".'
    )
    raw_text = models.TextField()
    title = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    arxiv_id = models.CharField(max_length=40, blank=True)
    matched_paper = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.SET_NULL, related_name="cited_by_references"
    )
    match_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [models.UniqueConstraint(fields=["paper", "position"], name="reference_unique_position")]

    def __str__(self) -> str:
        return f"[{self.label or self.position}] {self.raw_text[:80]}"


class CitationRole(models.TextChoices):
    BACKGROUND = "background", "Background"
    USES = "uses", "Uses the method"
    COMPARES = "compares", "Compares against"


class CitationPolarity(models.TextChoices):
    SUPPORTING = "supporting", "Supporting"
    CONTRASTING = "contrasting", "Contrasting"
    NEUTRAL = "neutral", "Neutral"


class Citation(Receipt):
    """Receipt: `paper` cites `cited` in the sentence `quote`, in this role and with this polarity."""

    cited = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="incoming_citations")
    reference = models.ForeignKey(Reference, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    method = models.ForeignKey(
        "baselines.Method", null=True, blank=True, on_delete=models.SET_NULL, related_name="citations"
    )
    role = models.CharField(max_length=16, choices=CitationRole.choices, default=CitationRole.BACKGROUND)
    polarity = models.CharField(max_length=16, choices=CitationPolarity.choices, default=CitationPolarity.NEUTRAL)

    class Meta(Receipt.Meta):
        constraints = [
            *Receipt.Meta.constraints,
            models.CheckConstraint(condition=Q(role__in=CitationRole.values), name="citation_role_valid"),
            models.CheckConstraint(condition=Q(polarity__in=CitationPolarity.values), name="citation_polarity_valid"),
            models.CheckConstraint(condition=~Q(paper=models.F("cited")), name="citation_not_self"),
        ]
        indexes = [
            *Receipt.Meta.indexes,
            models.Index(fields=["method", "status"], name="citation_method_status"),
            models.Index(fields=["cited", "status"], name="citation_cited_status"),
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} cites {self.cited.arxiv_id} ({self.role}, {self.polarity})"


class PaperSummary(models.Model):
    """A paper's structured summary, built at extract time from its own text and its receipts
    (`papers.summary_services.build_summary`), its prose rewritten by a model when one is set up
    (`papers.claude_summary`). Pages read it as stored.

    Sentences are stored located: {"text", "page", "section"} (a model's prose adds the "quote" it
    rests on, checked on that page). Key results are receipts: {"text", "result_id", "page",
    "locator", "value", "baseline", "baseline_value", ...} (`papers.headlines`)."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="summary")
    contribution = models.TextField(blank=True, help_text="The sentence stating what the paper proposes.")
    facts = models.JSONField(
        default=dict, blank=True, help_text="Page and reference counts, the paper's own methods, its primary result."
    )
    executive = models.JSONField(default=list, blank=True, help_text="Problem, method, result: 3-5 located sentences.")
    method = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the method works (located sentences), calibration data, models, settings, bits, baselines.",
    )
    key_results = models.JSONField(default=list, blank=True, help_text="Headline numbers from receipts, best first.")
    mechanisms = models.JSONField(default=list, blank=True, help_text="The paper's stated reasons why it works.")
    concepts = models.JSONField(default=list, blank=True, help_text="Glossary terms the paper uses, with links.")
    limitations = models.JSONField(default=list, blank=True, help_text="Limitations the paper states about itself.")
    open_questions = models.JSONField(default=list, blank=True, help_text="What the paper leaves to future work.")
    checks = models.JSONField(default=list, blank=True, help_text="Comparisons the paper left out, to run next.")
    generator = models.CharField(max_length=64, help_text='"extractive" or the model that wrote the prose.')
    generated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "paper summaries"

    def __str__(self) -> str:
        return f"Summary of {self.paper.arxiv_id}"
