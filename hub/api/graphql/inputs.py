"""Input objects built from the keys a client gave, not from every field the type declares.

graphql-core hands an input object over with every field the schema declares a default for
filled in, and strawberry then converts it field by field (resolving each field's type
again). A ``PersonWhere`` has some forty fields, every one defaulting to null, and a
``where`` nests several of them: converting one such argument cost about a millisecond per
request, as much as the store query behind a page of residents. The generated inputs (and
the operator inputs) default every field to null, so a null needs no conversion: the hook
below converts only the fields that hold a value and lets the class default the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryObjectDefinition

_INSTALLED = "_hub_skips_nulls"


def convert_given_fields_only(cls: type) -> None:
    """Make strawberry build ``cls`` (a ``@strawberry.input``) from its non-null fields alone.

    Only for a type whose every field defaults to null: a null given and a field left out
    then build the same value. A type with another default keeps strawberry's conversion.
    """
    definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    if getattr(definition, _INSTALLED, False) or definition.from_input is not None:
        return
    if not definition.is_input or any(f.default_value is not None for f in definition.fields):
        return
    # Resolved on first use: the annotations may name types that exist only once every input
    # of the model has been declared (a Where refers to its neighbours' Where types).
    fields: dict[str, tuple[str, Any]] = {}

    def from_input(target: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not fields:
            for field in definition.fields:
                graphql_name = context.config.name_converter.from_field(field)
                fields[graphql_name] = (field.python_name, field.resolve_type(type_definition=definition))
        kwargs: dict[str, Any] = {}
        for name, item in value.items():
            if item is None:
                continue
            found = fields.get(name)
            if found is None:  # not a field of the type (graphql-core has validated the input)
                continue
            python_name, field_type = found
            kwargs[python_name] = context.convert(item, field_type, name)
        return target(**kwargs)

    definition.from_input = from_input
    setattr(definition, _INSTALLED, True)
