"""The one grammar of every DynamoDB expression, and the cached LALR parser over it.

Syntax from the Developer Guide: "Comparison operator and function reference"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html),
"Update expressions" (.../Expressions.UpdateExpressions.html), "Projection expressions"
(.../Expressions.ProjectionExpressions.html) and "Document paths" in "Referring to item attributes"
(.../Expressions.Attributes.html).  Precedence: NOT > AND > OR; keywords are case-insensitive,
function names are not (checked after parsing: the grammar takes any name followed by "(").

A condition is also allowed to be a bare operand (``primary: operand``) so that a function call can
be a condition (``attribute_exists(a)``) as well as an operand (``size(a) > :n``) without an LALR
conflict; the converter refuses a bare path or value as AWS's parser does, with a syntax error.
Key conditions use the condition grammar and are restricted afterwards.

Syntax errors are reported as AWS does: ``Syntax error; token: "<t>", near: "<prev t next>"`` where
``near`` is the source text from the token before the offending one to the token after it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..types import ValidationError

# NOT > AND > OR over a ``primary`` each grammar defines (with _OR, _AND, _NOT): shared with PartiQL's
# WHERE (``partiql.py``), whose trees convert to the same Or / And / Not.
BOOLEAN_RULES = r"""
?condition: or_expr
?or_expr: and_expr
        | or_expr _OR and_expr -> or_
?and_expr: not_expr
         | and_expr _AND not_expr -> and_
?not_expr: primary
         | _NOT not_expr -> not_
"""

GRAMMAR = BOOLEAN_RULES + r"""
?primary: operand (COMPARATOR | EQ) operand -> compare
        | operand _BETWEEN operand _AND operand -> between
        | operand _IN "(" operand ("," operand)* ")" -> in_
        | operand -> bare
        | "(" condition ")" -> paren

?operand: path
        | VALUE -> value
        | NAME "(" operand ("," operand)* ")" -> call

path: (NAME | NAME_REF) ("." (NAME | NAME_REF) | "[" INDEX "]")*

update: clause+
clause: _SET set_action ("," set_action)* -> set_clause
      | _REMOVE path ("," path)* -> remove_clause
      | _ADD path VALUE ("," path VALUE)* -> add_clause
      | _DELETE path VALUE ("," path VALUE)* -> delete_clause
set_action: path EQ set_value
?set_value: operand
          | operand "+" operand -> plus
          | operand "-" operand -> minus

projection: path ("," path)*

_OR: "OR"i
_AND: "AND"i
_NOT: "NOT"i
_BETWEEN: "BETWEEN"i
_IN: "IN"i
_SET: "SET"i
_REMOVE: "REMOVE"i
_ADD: "ADD"i
_DELETE: "DELETE"i
COMPARATOR: "<>" | "<=" | ">=" | "<" | ">"
EQ: "="  # one terminal for both uses: the contextual lexer cannot tell two "=" apart
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NAME_REF: /#[A-Za-z0-9_]+/
VALUE: /:[A-Za-z0-9_]+/
INDEX: /[0-9]+/

%ignore /[ \t\r\n]+/
"""

@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, built on first use (~100 ms): a Sluice that never sees an expression never pays it,
    and start-up stays fast. Immutable once built."""
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", start=["condition", "update", "projection"],
                maybe_placeholders=False)

# Only for error messages: how AWS's lexer splits the text around an offending token.
_TOKENS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|#[A-Za-z0-9_]*|:[A-Za-z0-9_]*|[0-9]+|<>|<=|>=|\S")


def syntax_error(text: str, pos: int | None) -> str:
    """AWS's syntax-error reason for the token starting at ``pos`` (None: the end of the text)."""
    spans = [m.span() for m in _TOKENS.finditer(text)]
    i = next((k for k, (start, end) in enumerate(spans) if end > (pos if pos is not None else len(text))), None)
    if i is None:  # <EOF>: near is the last token
        last = spans[-1] if spans else (0, 0)
        return f'Syntax error; token: "<EOF>", near: "{text[last[0]:last[1]]}"'
    start = spans[i - 1][0] if i > 0 else spans[i][0]
    end = spans[i + 1][1] if i + 1 < len(spans) else spans[i][1]
    token = text[spans[i][0]:spans[i][1]]
    return f'Syntax error; token: "{token}", near: "{text[start:end]}"'


@lru_cache(maxsize=2048)
def parse_tree(text: str, start: str) -> Tree:
    """The parse tree of ``text`` (cached: the same expressions recur on every request).

    Raises ValidationError with the reason only (the caller adds "Invalid XExpression: ").
    """
    if not text:
        raise ValidationError("The expression can not be empty;")
    try:
        return parser().parse(text, start=start)
    except UnexpectedEOF:
        raise ValidationError(syntax_error(text, None)) from None
    except UnexpectedToken as e:
        tok = e.token
        pos = None if tok.type == "$END" else tok.start_pos
        raise ValidationError(syntax_error(text, pos)) from None
    except UnexpectedCharacters as e:
        raise ValidationError(syntax_error(text, e.pos_in_stream)) from None
    except UnexpectedInput:  # pragma: no cover - the three above are all lark raises
        raise ValidationError(syntax_error(text, None)) from None


__all__ = ["BOOLEAN_RULES", "GRAMMAR", "parser", "Token", "Tree", "parse_tree", "syntax_error"]
