"""PATCH bodies: only the fields sent change, and some fields can be changed but not cleared."""

from typing import Any, ClassVar, Self

from pydantic import BaseModel, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

NULL = {"type": "null"}


class PatchBody(BaseModel):
    """A PATCH body: every field optional; those in ``not_nullable`` refuse an explicit null.

    The OpenAPI document says the same: such a field is optional but not nullable, so a
    generated client or a fuzzer does not send the null the server refuses.
    """

    not_nullable: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _required_stay_set(self) -> Self:
        for name in self.not_nullable:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be null; leave it out to keep it")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Drop the null alternative (and the null default) of each ``not_nullable`` field."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties: dict[str, Any] = target.get("properties", {})
        for name in cls.not_nullable:
            field = properties.get(name)
            if field is None:
                continue
            field.pop("default", None)
            choices = [choice for choice in field.get("anyOf", []) if choice != NULL]
            if "anyOf" in field and len(choices) == 1:
                del field["anyOf"]
                field.update(choices[0])
            elif "anyOf" in field:
                field["anyOf"] = choices
        return schema
