"""The API's JSON parser: DRF's, with a limit on nesting."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No body of this API nests deeper than 3 (a ticket's enclosures: object, list, object).
# Python's parser itself gives up near 1,000 with a RecursionError, which is not a ValueError
# and so escaped DRF as a server error.
JSON_MAX_DEPTH = 20


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` deep (without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        message = _("JSON parse error - nested more than %(n)d deep") % {"n": JSON_MAX_DEPTH}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if _deeper_than(data, JSON_MAX_DEPTH):
            raise ParseError(message)
        return data
