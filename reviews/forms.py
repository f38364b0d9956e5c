"""Curator input for reviews: the research questions the synthesis answers."""

from __future__ import annotations

from django import forms

from config.text_safety import plain_text

MAX_QUESTIONS = 12
LONGEST_QUESTION = 400


class ResearchQuestionsForm(forms.Form):
    questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 90}),
        max_length=MAX_QUESTIONS * (LONGEST_QUESTION + 2),
        help_text="One question per line, in the order the synthesis answers them.",
    )

    def clean_questions(self) -> list[str]:
        asked = [" ".join(plain_text(line).split()) for line in self.cleaned_data["questions"].splitlines()]
        asked = [q for q in asked if q]
        if not asked:
            raise forms.ValidationError("Write at least one research question.")
        if len(asked) > MAX_QUESTIONS:
            raise forms.ValidationError(f"At most {MAX_QUESTIONS} questions; the synthesis answers each one.")
        long = [n for n, q in enumerate(asked, start=1) if len(q) > LONGEST_QUESTION]
        if long:
            raise forms.ValidationError(f"Question {long[0]} is longer than {LONGEST_QUESTION} characters.")
        return asked
