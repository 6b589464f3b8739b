"""The OpenAPI 3.1 document of the JSON API, built from the input models."""

from __future__ import annotations

from functools import cache
from typing import Any

from kiosk.web.validation import CheckinIn, JobIn, OutcomeIn, ReviewIn

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "suggestions": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Suggestion"},
            "description": "extension: on the 422 of a check-in or job post whose text named "
            "no known skill (err.no_skill), the closest skills, best first; nothing is stored",
        },
    },
}

# Extension of the contract: the closest skills to a text that named none.
_SUGGESTION = {
    "type": "object",
    "required": ["skill_id", "name_zh", "name_en", "score"],
    "properties": {
        "skill_id": {"type": "string"},
        "name_zh": {"type": "string"},
        "name_en": {"type": "string"},
        "score": {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "description": "how close; under 50 unless the parser itself found it (confirm band)",
        },
    },
}

_PARSE_ENTRY = {
    "type": "object",
    "required": ["skill_id", "score", "band"],
    "properties": {
        "skill_id": {"type": "string"},
        "score": {"type": "number"},
        "band": {
            "enum": ["accept", "confirm", "suggest"],
            "description": "accept: use it; confirm: ask the person; suggest (extension): "
            "the parser did not find it, offer it for the person to pick (score < 50)",
        },
        "name_zh": {"type": "string", "description": "extension: the skill's Chinese name"},
        "name_en": {"type": "string", "description": "extension: the skill's English name"},
    },
}

_NO_SKILL_422 = (
    "invalid input (a reason per field); when a text named no known skill (err.no_skill) "
    "the body also carries suggestions, the closest skills best first; nothing is stored"
)

_JOB = {
    "type": "object",
    "required": ["id", "status", "headcount", "remaining", "skills", "bookings"],
    "properties": {
        "id": {"type": "string"},
        "status": {
            "enum": ["open", "filled", "cancelled", "expired", "closed", "review", "rejected"]
        },
        "headcount": {"type": "integer"},
        "remaining": {"type": "integer"},
        "skills": {"type": "array", "items": {"type": "string"}},
        "interview_address": {
            "type": "string",
            "description": "extension: address or landmark of an on-site interview ('' at a desk)",
        },
        "code": {
            "type": "string",
            "description": "extension: the job's code (6 digits), in the post's own response "
            "only; with the employer's number it reopens the job at a kiosk",
        },
        "review_reason": {
            "type": "string",
            "description": "why an operator did not approve a held post: '[code] note', "
            "code one of discrimination, fee, pay, contact, duplicate, unclear, other",
        },
        "bookings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["worker_id", "ticket", "status"],
                "properties": {
                    "worker_id": {"type": "string"},
                    "ticket": {"type": "string"},
                    "status": {"type": "string"},
                    "employer_rating": {
                        "type": ["string", "null"],
                        "enum": ["up", "down", None],
                        "description": "the employer's thumbs for this worker, once given",
                    },
                },
            },
        },
    },
}

_OFFER = {
    "type": "object",
    "required": ["id", "job_id", "score", "explanation", "expires_at", "status"],
    "properties": {
        "id": {"type": "string"},
        "job_id": {"type": "string"},
        "score": {"type": "number"},
        "explanation": {"type": "string"},
        "explanation_en": {"type": "string", "description": "the explanation in English"},
        "expires_at": {"type": "string", "format": "date-time"},
        "status": {"enum": ["pending", "accepted", "declined", "expired", "withdrawn"]},
        "reason": {
            "enum": ["moved", "filled", "cancelled", "day_end", "booked"],
            "description": "extension: why a withdrawn offer was withdrawn",
        },
    },
}

_TICKET = {
    "type": "object",
    "required": ["ticket"],
    "properties": {
        "ticket": {
            "type": "object",
            "required": ["ref", "job_id", "interview_at", "interview_place"],
            "properties": {
                "ref": {"type": "string"},
                "job_id": {"type": "string"},
                "interview_at": {"type": "string"},
                "interview_place": {"type": "string"},
                "interview_address": {"type": "string", "description": "extension"},
            },
        }
    },
}

_STATS_FIELDS = (
    "jobs_posted",
    "headcount_posted",
    "checkins",
    "offers",
    "bookings",
    "hired",
    "no_shows",
)


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _json({"$ref": "#/components/schemas/Error"}, "error") for c in codes}


def _market_param() -> dict[str, Any]:
    return {"name": "market", "in": "path", "required": True, "schema": {"type": "string"}}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


_IDEM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
}


def _write(
    summary: str,
    body: str | None,
    ok: dict[str, Any],
    params: list[dict[str, Any]],
    code: str = "200",
    invalid: str = "error",
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [_market_param(), *params, _IDEM],
        "responses": {
            code: ok,
            **_errors(401, 403, 404, 409),
            "422": _json({"$ref": "#/components/schemas/Error"}, invalid),
        },
    }
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return op


@cache
def openapi_document() -> dict[str, Any]:
    stats = {
        "type": "object",
        "required": ["date", *_STATS_FIELDS, "fill_rate", "median_minutes_to_fill"],
        "properties": {
            "date": {"type": "string", "format": "date"},
            **{f: {"type": "integer"} for f in _STATS_FIELDS},
            "fill_rate": {"type": "number"},
            "median_minutes_to_fill": {"type": ["number", "null"]},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kuaizhao API",
            "version": "1",
            "description": "即时快招: same-day jobs, check-ins, offers and tickets per gig market.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR,
                "Suggestion": _SUGGESTION,
                "Job": _JOB,
                "Offer": _OFFER,
                "JobIn": JobIn.model_json_schema(),
                "CheckinIn": CheckinIn.model_json_schema(),
                "OutcomeIn": OutcomeIn.model_json_schema(),
                "ReviewIn": ReviewIn.model_json_schema(),
            },
        },
        "paths": {
            "/markets": {
                "get": {
                    "summary": "The gig markets",
                    "responses": {"200": _json({"type": "array", "items": {"type": "object"}})},
                }
            },
            "/markets/{market}/jobs": {
                "post": _write(
                    "Post a same-day job",
                    "JobIn",
                    _json({"$ref": "#/components/schemas/Job"}, "created"),
                    [],
                    "201",
                    _NO_SKILL_422,
                ),
                "get": {
                    "summary": "Jobs of today (or ?date=)",
                    "parameters": [
                        _market_param(),
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "enum": ["open", "filled", "cancelled", "expired", "closed"]
                            },
                        },
                        {
                            "name": "date",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}
                        ),
                        **_errors(404, 422),
                    },
                },
            },
            "/markets/{market}/jobs/{job_id}": {
                "get": {
                    "summary": "One job with its bookings",
                    "parameters": [_market_param(), _path_param("job_id")],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Job"}),
                        **_errors(404),
                    },
                }
            },
            "/markets/{market}/jobs/{job_id}/cancel": {
                "post": _write(
                    "Cancel a job",
                    None,
                    _json({"$ref": "#/components/schemas/Job"}),
                    [_path_param("job_id")],
                )
            },
            "/markets/{market}/jobs/{job_id}/outcomes": {
                "post": _write(
                    "Record an interview outcome",
                    "OutcomeIn",
                    _json({"type": "object"}),
                    [_path_param("job_id")],
                )
            },
            "/markets/{market}/jobs/{job_id}/review": {
                "post": _write(
                    "Approve or reject a post held by screening (operator)",
                    "ReviewIn",
                    _json({"$ref": "#/components/schemas/Job"}),
                    [_path_param("job_id")],
                )
            },
            "/markets/{market}/checkins": {
                "post": _write(
                    "Check a worker in for today",
                    "CheckinIn",
                    _json(
                        {
                            "type": "object",
                            "required": ["worker_id", "status", "skills"],
                            "properties": {
                                "worker_id": {"type": "string"},
                                "status": {"type": "string"},
                                "skills": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "created",
                    ),
                    [],
                    "201",
                    _NO_SKILL_422,
                )
            },
            "/markets/{market}/workers/{worker_id}/offers": {
                "get": {
                    "summary": "A worker's offers today, pending first, best first",
                    "parameters": [_market_param(), _path_param("worker_id")],
                    "responses": {
                        "200": _json(
                            {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}}
                        ),
                        **_errors(404),
                    },
                }
            },
            "/markets/{market}/offers/{offer_id}/accept": {
                "post": _write(
                    "Accept an offer: book the interview",
                    None,
                    _json(_TICKET),
                    [_path_param("offer_id")],
                )
            },
            "/markets/{market}/offers/{offer_id}/decline": {
                "post": _write(
                    "Decline an offer", None, _json({"type": "object"}), [_path_param("offer_id")]
                )
            },
            "/markets/{market}/stats": {
                "get": {
                    "summary": "Daily figures",
                    "parameters": [
                        _market_param(),
                        {
                            "name": "date",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {"200": _json(stats), **_errors(404, 422)},
                }
            },
            "/skills": {
                "get": {
                    "summary": "The skills taxonomy",
                    "responses": {"200": _json({"type": "array", "items": {"type": "object"}})},
                }
            },
            "/skills/parse": {
                "get": {
                    "summary": "Free text to skill ids",
                    "description": "The parser's hits best first (accept, confirm). When none "
                    "is in the accept band, the closest skills not already listed follow with "
                    "band 'suggest' (extension), so text the parser does not understand still "
                    "gets something to offer.",
                    "parameters": [
                        {
                            "name": "text",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 200},
                        }
                    ],
                    "responses": {
                        "200": _json({"type": "array", "items": _PARSE_ENTRY}),
                        **_errors(422),
                    },
                }
            },
        },
    }
