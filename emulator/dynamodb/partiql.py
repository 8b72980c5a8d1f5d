"""PartiQL for DynamoDB: SELECT, INSERT, UPDATE, DELETE parsed into the engine's own trees.

The subset the Developer Guide documents ("PartiQL select/insert/update/delete statements for
DynamoDB"): ``SELECT * | paths FROM "table"[."index"] [WHERE condition] [ORDER BY key [ASC|DESC]]``,
``INSERT INTO "table" VALUE {...}``, ``UPDATE "table" SET ... | REMOVE ... WHERE key = ... [RETURNING
...]``, ``DELETE FROM "table" WHERE key = ... [RETURNING ALL OLD *]``. Literals are PartiQL's
(``'string'``, numbers, ``true``/``false``/``null``, ``[list]``, ``<<set>>``, ``{'map': ...}``) and
``?`` takes the request's Parameters in order. A WHERE becomes a condition tree of
``expressions.evaluate`` (the same classes a FilterExpression parses to), so evaluation is shared.
Statements are parsed once per text (cached); parameters are bound per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from .errors import ValidationException
from .expressions.evaluate import (
    And,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Not,
    Operand,
    Or,
    Path,
    PathOperand,
    Size,
    ValueOperand,
)
from .expressions.grammar import BOOLEAN_RULES
from .expressions.parser import CONDITION_FUNCTIONS, UPDATE_FUNCTIONS
from .expressions.update import Action, Arithmetic, IfNotExists, ListAppend, Update
from .types import ValidationError, Value, validate_value

GRAMMAR = r"""
?start: select | insert | update | delete

select: _SELECT projection _FROM source where? order?
projection: "*" -> star
          | path ("," path)*
source: name ("." name)*
where: _WHERE condition
order: _ORDER _BY path DIRECTION?

insert: _INSERT _INTO source _VALUE value
update: _UPDATE source update_clause+ where returning?
delete: _DELETE _FROM source where returning?
?update_clause: _SET set_item ("," set_item)* -> set_clause
              | _REMOVE path ("," path)* -> remove_clause
set_item: path EQ set_value
?set_value: operand
          | operand "+" operand -> plus
          | operand "-" operand -> minus
returning: _RETURNING WHICH WHEN "*"
""" + BOOLEAN_RULES + r"""
?primary: operand (COMPARATOR | EQ) operand -> compare
        | operand _BETWEEN operand _AND operand -> between
        | operand _IN "[" operand ("," operand)* "]" -> in_
        | operand _IN "(" operand ("," operand)* ")" -> in_
        | operand _IS MISSING_OR_NULL -> is_
        | operand _IS _NOT MISSING_OR_NULL -> is_not
        | call -> bare
        | "(" condition ")"

?operand: path
        | value
        | call
call: FUNCTION "(" operand ("," operand)* ")"
path: name ("." name | "[" INT "]")*
name: IDENT | QUOTED

?value: STRING -> string
      | NUMBER -> number
      | "?" -> param
      | TRUE -> true
      | FALSE -> false
      | NULL -> null
      | "[" [value ("," value)*] "]" -> list
      | SET_START [value ("," value)*] SET_END -> set
      | "{" [pair ("," pair)*] "}" -> map
pair: STRING ":" value

_SELECT: "SELECT"i
_FROM: "FROM"i
_WHERE: "WHERE"i
_ORDER: "ORDER"i
_BY: "BY"i
_INSERT: "INSERT"i
_INTO: "INTO"i
_VALUE: "VALUE"i
_UPDATE: "UPDATE"i
_SET: "SET"i
_REMOVE: "REMOVE"i
_DELETE: "DELETE"i
_RETURNING: "RETURNING"i
_OR: "OR"i
_AND: "AND"i
_NOT: "NOT"i
_BETWEEN: "BETWEEN"i
_IN: "IN"i
_IS: "IS"i
MISSING_OR_NULL: "MISSING"i | "NULL"i
WHICH: "ALL"i | "MODIFIED"i
WHEN: "OLD"i | "NEW"i
DIRECTION: "ASC"i | "DESC"i
SET_START.3: "<<"
SET_END.3: ">>"
TRUE.2: "true"i
FALSE.2: "false"i
NULL.2: "null"i
FUNCTION.2: /(begins_with|contains|attribute_type|attribute_exists|attribute_not_exists|size|exists|missing|list_append|set_add|set_delete|if_not_exists)(?=\s*\()/i
COMPARATOR: "<>" | "!=" | "<=" | ">=" | "<" | ">"
EQ: "="  # one terminal for both uses, as in expressions/grammar.py
IDENT: /[A-Za-z_][A-Za-z0-9_]*/
QUOTED: /"(?:[^"]|"")*"/
STRING: /'(?:[^']|'')*'/
NUMBER: /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
INT: /\d+/

%ignore /[ \t\r\n]+/
"""

@lru_cache(maxsize=1)
def parser() -> Lark:
    """Built on first use, as the expression parser is (start-up stays fast)."""
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)


MALFORMED = "Statement wasn't well formed, can't be processed"
_ARITY = {**CONDITION_FUNCTIONS, **UPDATE_FUNCTIONS, "exists": 1, "missing": 1, "set_add": 2, "set_delete": 2}


@dataclass
class Statement:
    """A parsed statement. ``condition`` is the WHERE tree; values come from ``bind`` at execution."""

    kind: str                          # select, insert, update, delete
    table: str
    index: str | None = None
    projection: list[Path] | None = None   # None: *
    condition: Condition | None = None
    order_desc: bool = False
    value: Value | None = None         # INSERT's item
    actions: list[Action] = field(default_factory=list)
    returning: str | None = None       # "ALL OLD", "MODIFIED NEW", ...


@lru_cache(maxsize=512)
def _tree(text: str) -> Tree:
    try:
        return parser().parse(text)
    except LarkError:
        raise ValidationException(MALFORMED) from None


def parse(text: str, parameters: list[Value] | None) -> Statement:
    """The statement with every ``?`` bound, in statement order, to ``parameters``."""
    tree = _tree(text)
    # Pre-order, left to right: the order the ``?`` appear in the text.
    positions = {id(node): k for k, node in enumerate(n for n in tree.iter_subtrees_topdown() if n.data == "param")}
    given = parameters or []
    if len(given) != len(positions):
        raise ValidationException("Number of parameters in request and statement don't match.")
    try:
        values = [validate_value(v) for v in given]
    except ValidationError as e:
        raise ValidationException(e.message) from None
    return _Builder(values, positions).statement(tree)


class _Builder:
    def __init__(self, values: list[Value], positions: dict[int, int]):
        self.values, self.positions = values, positions

    # --- statements

    def statement(self, tree: Tree) -> Statement:
        kind = str(tree.data)
        if kind == "select":
            projection, source = tree.children[0], tree.children[1]
            table, index = self.source(source)
            st = Statement("select", table, index)
            if projection.data != "star":
                st.projection = [self.path(p) for p in projection.children]
            for child in tree.children[2:]:
                if child.data == "where":
                    st.condition = self.condition(child.children[0])
                elif child.data == "order":
                    st.order_desc = len(child.children) > 1 and str(child.children[1]).upper() == "DESC"
            return st
        table, index = self.source(tree.children[0])
        if index is not None:
            raise ValidationException(f"{MALFORMED}: writes name a table, not an index")
        if kind == "insert":
            return Statement("insert", table, value=self.literal(tree.children[1]))
        st = Statement(kind, table)
        for child in tree.children[1:]:
            if child.data == "where":
                st.condition = self.condition(child.children[0])
            elif child.data == "returning":
                st.returning = f"{str(child.children[0]).upper()} {str(child.children[1]).upper()}"
            elif child.data == "set_clause":
                for item in child.children:
                    st.actions.append(Action("SET", self.path(item.children[0]), self.set_value(item.children[2])))
            elif child.data == "remove_clause":
                st.actions.extend(Action("REMOVE", self.path(p)) for p in child.children)
        return st

    def source(self, tree: Tree) -> tuple[str, str | None]:
        names = [self.name(n) for n in tree.children]
        if any(not n for n in names):
            raise ValidationException("Path component cannot be an empty string")
        if len(names) > 2:
            raise ValidationException("A path may contain at most 2 components in the FROM clause")
        return names[0], names[1] if len(names) > 1 else None

    # --- leaves

    @staticmethod
    def name(tree: Tree) -> str:
        tok = tree.children[0]
        assert isinstance(tok, Token)
        if tok.type == "QUOTED":
            return tok.value[1:-1].replace('""', '"')
        return tok.value

    def path(self, tree: Tree) -> Path:
        steps: list[str | int] = []
        for child in tree.children:
            if isinstance(child, Token):
                steps.append(int(child.value))
            else:
                steps.append(self.name(child))
        return tuple(steps)

    def operand(self, tree: Tree | Token) -> Operand:
        if isinstance(tree, Tree) and tree.data == "path":
            return PathOperand(self.path(tree))
        if isinstance(tree, Tree) and tree.data == "call":
            return self.call(tree)  # type: ignore[return-value]
        return ValueOperand(self.literal(tree), "?")

    def literal(self, tree: Any) -> Value:
        """A literal (or ``?``) as an AttributeValue."""
        data = tree.data
        if data == "string":
            return {"S": tree.children[0].value[1:-1].replace("''", "'")}
        if data == "number":
            try:
                return validate_value({"N": tree.children[0].value})
            except ValidationError as e:
                raise ValidationException(e.message) from None
        if data == "true":
            return {"BOOL": True}
        if data == "false":
            return {"BOOL": False}
        if data == "null":
            return {"NULL": True}
        if data == "param":
            return self.values[self.positions[id(tree)]]
        if data == "map":
            return {"M": {str(pair.children[0])[1:-1].replace("''", "'"): self.literal(pair.children[1])
                          for pair in tree.children if isinstance(pair, Tree)}}
        members = [self.literal(c) for c in tree.children if isinstance(c, Tree)]
        if data == "list":
            return {"L": members}
        # set: every member of one scalar type
        types = {next(iter(m)) for m in members}
        if len(types) != 1 or next(iter(types)) not in ("S", "N", "B"):
            raise ValidationException("Set members must all be strings, numbers or binaries of one type")
        t = next(iter(types))
        try:
            return validate_value({t + "S": [m[t] for m in members]})
        except ValidationError as e:
            raise ValidationException(e.message) from None

    def call(self, tree: Tree) -> Condition | Operand:
        name = str(tree.children[0]).lower()
        args = [self.operand(c) for c in tree.children[1:]]
        if len(args) != _ARITY[name]:  # text as for an expression's function; guessed for PartiQL
            raise ValidationException("Incorrect number of operands for operator or function; "
                                      f"operator or function: {name}, number of operands: {len(args)}")
        if name == "size":
            return Size(args[0])
        if name in ("list_append", "if_not_exists"):
            return ListAppend(args[0], args[1]) if name == "list_append" else IfNotExists(args[0], args[1])  # type: ignore[arg-type]
        if name in ("set_add", "set_delete"):
            return _SetOp(name, args[0], args[1])
        if name == "missing":
            return Function("attribute_not_exists", args)
        if name == "exists":
            return Function("attribute_exists", args)
        return Function(name, args)

    def set_value(self, tree: Tree | Token) -> Operand:
        if isinstance(tree, Tree) and tree.data in ("plus", "minus"):
            return Arithmetic("+" if tree.data == "plus" else "-", self.operand(tree.children[0]),
                              self.operand(tree.children[1]))
        return self.operand(tree)

    # --- conditions

    def condition(self, tree: Tree) -> Condition:
        data = tree.data
        if data == "and_":
            return And(self.condition(tree.children[0]), self.condition(tree.children[1]))
        if data == "or_":
            return Or(self.condition(tree.children[0]), self.condition(tree.children[1]))
        if data == "not_":
            return Not(self.condition(tree.children[0]))
        if data == "bare":
            called = self.call(tree.children[0])
            if not isinstance(called, Condition):
                raise ValidationException(MALFORMED)
            return called
        if data == "compare":
            left, op, right = tree.children
            op = "<>" if op == "!=" else str(op)
            return Compare(op, self.operand(left), self.operand(right))
        if data == "between":
            a, b, c = (self.operand(x) for x in tree.children)
            return Between(a, b, c)
        if data == "in_":
            first, *rest = (self.operand(x) for x in tree.children)
            return In(first, rest)
        if data in ("is_", "is_not"):
            path = self.operand(tree.children[0])
            test: Condition
            if str(tree.children[1]).upper() == "MISSING":
                test = Function("attribute_not_exists", [path])
            else:
                test = Compare("=", path, ValueOperand({"NULL": True}, "null"))
            return Not(test) if data == "is_not" else test
        return self.condition(tree.children[0])  # parenthesised


class _SetOp(Operand):
    """``set_add(path, <<...>>)`` / ``set_delete(path, <<...>>)`` in an UPDATE's SET."""

    __slots__ = ("name", "path", "members")

    def __init__(self, name: str, path: Operand, members: Operand):
        self.name, self.path, self.members = name, path, members

    def get(self, item: Any) -> Value | None:
        current, given = self.path.get(item), self.members.get(item)
        if given is None:
            return current
        t = next(iter(given))
        if current is None:
            return None if self.name == "set_delete" else given
        if next(iter(current)) != t:
            raise ValidationError("An operand in the update expression has an incorrect data type")
        if self.name == "set_add":
            return {t: current[t] + [m for m in given[t] if m not in current[t]]}
        remaining = [m for m in current[t] if m not in given[t]]
        return {t: remaining} if remaining else None


__all__ = ["MALFORMED", "Statement", "Update", "parse"]
