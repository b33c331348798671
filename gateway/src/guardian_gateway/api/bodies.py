"""JSON request bodies, read and checked here rather than by FastAPI so that every failure is a
documented envelope: 415 for a non-JSON content type, 400 for bad JSON or a wrong shape."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from guardian_common.envelope import ErrorEnvelope
from guardian_gateway.domain.json_values import parse_object

Body = TypeVar("Body", bound=BaseModel)


def is_json(content_type: str | None) -> bool:
    """`application/json` or `application/<anything>+json`, parameters ignored."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def shape_problem(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        if item["type"] == "json_invalid":
            return "request body is not valid JSON"
        if not item["loc"]:
            return "request body must be a JSON object"
        field = ".".join(str(part) for part in item["loc"])
        problems.append(
            f"'{field}' is required" if item["type"] == "missing" else f"'{field}' must be a string"
        )
    return "request body: " + "; ".join(problems)


async def _json_bytes(request: Request) -> bytes:
    """The body of a request sent as JSON; any other content type → 415."""
    if not is_json(request.headers.get("content-type")):
        raise ErrorEnvelope.of("unsupported_media_type")
    return await request.body()


async def json_body(request: Request, model: type[Body]) -> Body:
    raw = await _json_bytes(request)
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise ErrorEnvelope.of("invalid_input", shape_problem(error)) from None


async def json_object_body(request: Request) -> dict[str, object]:
    """A JSON object body read as plain data, for routes that check its fields themselves."""
    return parse_object(await _json_bytes(request))


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring the body that `json_body` reads."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
