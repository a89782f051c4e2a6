"""Filters on tickets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from closeloop.directory.models import User

from .querysets import identity_hidden_q
from .search import MAX_LENGTH, MAX_TERMS, MIN_BIGRAM, MIN_TRIGRAM, fts_ensure


def field_value_q(user: User, code: str, value: str) -> Q:
    """Tickets whose pack field `code` holds exactly `value` (as stored: see
    `policy.fields`). An identifying field matches only on tickets whose identity `user` may
    see, as the customer's phone does in the search: a masked value is never found."""
    if connection.vendor == "postgresql":
        # `@>`, which the jsonb_path_ops indexes of reports/0005 serve.
        plain, identifying = (
            Q(fields__contains={code: value}),
            Q(identity_fields__contains={code: value}),
        )
    else:
        plain = Q(**{f"fields__{code}": value})
        identifying = Q(**{f"identity_fields__{code}": value})
    match = plain | (identifying & ~identity_hidden_q(user))
    if connection.vendor == "sqlite" and len(value) >= MIN_TRIGRAM:
        # The FTS table narrows the candidates first; the JSON of each ticket is not indexed.
        fts_ensure()
        phrase = '"' + value.replace('"', '""') + '"'
        candidates = RawSQL(
            "SELECT rowid FROM ledger_fts WHERE ledger_fts MATCH %s",
            [f"{{fields identity}} : {phrase}"],
        )
        match &= Q(pk__in=candidates)
    return match


class SearchField(forms.CharField):
    """The search box: at most 100 characters and MAX_TERMS words, and a word of two
    characters or more (a search for one character alone would read the whole ledger)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        words = str(value or "").split()
        if len(words) > MAX_TERMS:
            raise forms.ValidationError(_("at most %(n)d words") % {"n": MAX_TERMS})
        if words and max(len(w) for w in words) < MIN_BIGRAM:
            raise forms.ValidationError(_("give at least one word of two characters or more"))
