"""MaxResults / NextToken over a sorted list of names (ListQueues, ListDeadLetterSourceQueues)."""

from __future__ import annotations

import base64
import binascii

from .errors import invalid_value


def page(names: list[str], max_results: int | None, next_token: str | None) -> tuple[list[str], str | None]:
    if max_results is not None and not 1 <= max_results <= 1000:
        raise invalid_value(max_results, "MaxResults", "MaxResults must be an integer between 1 and 1000.")
    if next_token:
        try:
            after = base64.urlsafe_b64decode(next_token.encode("ascii")).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeError):
            raise invalid_value(next_token, "NextToken", "Invalid NextToken value.") from None
        names = [n for n in names if n > after]
    if max_results is None:
        return names[:1000], None
    if len(names) > max_results:
        names = names[:max_results]
        return names, base64.urlsafe_b64encode(names[-1].encode("utf-8")).decode("ascii")
    return names, None
