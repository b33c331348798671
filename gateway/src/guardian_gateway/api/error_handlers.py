"""Every error FastAPI or Starlette would answer on its own (404, 405, parameter validation) becomes the
JSON envelope too."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from guardian_common.envelope import KNOWN, ErrorEnvelope
from guardian_gateway.api.responses import envelope_response

CODES_BY_STATUS = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


async def _envelope(_request: Request, error: Exception) -> Response:
    if not isinstance(error, ErrorEnvelope):
        raise error
    return envelope_response(error)


async def _http(_request: Request, error: Exception) -> Response:
    if not isinstance(error, HTTPException):
        raise error
    status = error.status_code
    code = CODES_BY_STATUS.get(status) or ("invalid_input" if status < 500 else "internal_error")
    _, _, retryable, message = KNOWN[code]
    return envelope_response(ErrorEnvelope(code, message, status, retryable), error.headers)


def parameter_problem(location: tuple[object, ...], kind: str) -> str:
    where, name = (str(location[0]), str(location[-1])) if location else ("request", "?")
    what = "is required" if kind == "missing" else "is invalid"
    return f"{where} parameter '{name}' {what}"


async def _validation(_request: Request, error: Exception) -> Response:
    if not isinstance(error, RequestValidationError):
        raise error
    message = "; ".join(parameter_problem(tuple(e["loc"]), e["type"]) for e in error.errors())
    return envelope_response(ErrorEnvelope.of("invalid_input", message or None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ErrorEnvelope, _envelope)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
