"""DynamoDB: the pure core of the table engine (no I/O, no SQL, no clock).

Layout
------
- ``types``: AttributeValues in wire form (``{"S": "x"}``, ``{"N": "1.5"}``, ``{"B": b"..."}`` with
  bytes already base64-decoded, ``SS/NS/BS/M/L/NULL/BOOL``).  ``validate_item(item)`` /
  ``validate_value(v)`` return a normalized copy (store that: numbers in AWS's output form) or raise
  ``ValidationError`` (``.message`` is AWS's ValidationException text); ``compare(a, b)`` (-1/0/1,
  None if not comparable), ``equal(a, b)``, ``item_size(item)`` (bytes as AWS counts them for the
  400 KB limit and capacity), ``parse_number``/``check_number``/``format_number``.
- ``keys``: ``encode_key(value) -> bytes`` for S/N/B key values whose memcmp order is DynamoDB's
  order (store in BLOB columns, compare in SQL), ``decode_key(type, data)``, ``prefix_range(value)``
  for ``begins_with`` on a sort key.
- ``expressions``: one cached LALR grammar for every expression kind.

How a request uses ``expressions``
----------------------------------
::

    values = validate_expression_attributes(names, raw_values)   # checks keys, normalizes values
    key = parse_key_condition(kce, names, values)                # Query
    flt = parse_condition(fe, names, values, kind="FilterExpression") if fe else None
    prj = parse_projection(pe, names) if pe else None
    check_unused(names, values, key, flt, prj)                  # across ALL of the request's expressions
    pk, sort = key.for_schema("pk", "sk", types={"pk": "S", "sk": "N"})
    lo, lo_inc, hi, hi_inc = sort.byte_range() if sort else (None, False, None, False)
    ... scan rows with lo/hi on the encoded sort key ...
    if flt is None or flt.evaluate(item): out.append(project(prj, item) if prj else item)

    cond = parse_condition(ce, names, values)                   # PutItem/UpdateItem/DeleteItem
    upd = parse_update(ue, names, values)
    check_unused(names, values, cond, upd)
    if not cond.evaluate(old_item): raise ConditionalCheckFailed
    result = apply_update(upd, old_item)     # result.item, result.paths
    updated_old, updated_new = project(result.paths, old_item), project(result.paths, result.item)

Every error is a ``types.ValidationError`` carrying AWS's full message, prefixed as AWS does
(``Invalid UpdateExpression: ...``); errors found while applying an update (missing operand
attribute, wrong operand type, invalid document path, number overflow) are ValidationErrors too.
The caller still owns what needs the table: key attributes in SET/REMOVE, item size limits, key
value types and empty key values.
"""
