"""HQ's OpenAPI schema describes HQ: schemathesis generates requests for every operation
from ``/openapi.json`` and sends them to a real HQ on loopback with an engineer's and a
supervisor's token; no answer may be a 5xx, have an undocumented status, or a body that
differs from the documented one. A short, seeded run here; a longer one is
``bench/hq_fuzz.py``."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from sync import protocol as p
from tests.factories import World
from tests.sync_support import HQ

log = logging.getLogger(__name__)
HQWorld = tuple[HQ, World]
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
SEED = 20261201


@dataclass
class FuzzReport:
    calls: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def enroll_token(base: str, code: str) -> str:
    answer = requests.post(
        f"{base}{p.API}/enroll",
        json={"code": code, "device_name": "schemathesis"},
        headers={p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def fuzz(
    base: str,
    tokens: dict[str, str],
    examples: int,
    run_seed: int = SEED,
    on_operation: Callable[[str, str, int], None] | None = None,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> FuzzReport:
    """``examples`` generated requests per operation and token ("": without a token),
    every answer validated against the schema HQ serves. ``mode`` NEGATIVE sends
    requests that break the schema (each must be refused with a documented 4xx).
    Failures are collected, not raised, so one run names them all."""
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    report = FuzzReport()
    started = time.monotonic()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, token in tokens.items():
            headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            label = f"{operation.label} as {role}"
            calls, seen = _run_operation(
                operation, base, session, headers, examples, run_seed, mode
            )
            report.failures.extend(f"{label}: {text}" for text in seen)
            for status, count in calls.items():
                report.statuses[status] += count
            report.calls += calls.total()
            report.per_operation[label] = calls.total()
            if on_operation is not None:
                on_operation(label, role, calls.total())
    report.seconds = time.monotonic() - started
    return report


def _run_operation(
    operation: Any,
    base: str,
    session: requests.Session,
    headers: dict[str, str],
    examples: int,
    run_seed: int,
    mode: GenerationMode,
) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    seen: list[str] = []

    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        response = case.call(base_url=base, session=session, headers=headers, timeout=60)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # each failure, named once
            parts = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
            named = "; ".join(
                str(getattr(part, "title", "") or part).strip().splitlines()[0] for part in parts
            )
            text = f"{response.status_code}: {named}"
            if text not in seen:
                seen.append(text)
                log.warning("%s\n%s", text, error)

    try:
        send()
    except Unsatisfiable:
        # Negative mode: an operation without parameters has no request that breaks
        # its schema.
        if mode is GenerationMode.POSITIVE:
            raise
    return statuses, seen


def test_hq_answers_every_generated_request_as_its_schema_says(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    tokens = {
        "engineer": enroll_token(server.base, server.code_for("zhang.wei")),
        "supervisor": enroll_token(server.base, server.code_for("wang.min")),
    }
    report = fuzz(server.base, tokens, examples=25)
    assert report.failures == []
    # Every operation was exercised, and HQ did more than refuse.
    assert len(report.per_operation) >= 2 * 11
    assert all(calls > 0 for calls in report.per_operation.values())
    assert any(200 <= status < 300 for status in report.statuses)
    assert not [status for status in report.statuses if status >= 500]
    # Requests that break the schema: each refused with a documented 4xx in HQ's body.
    negative = fuzz(server.base, tokens, examples=10, mode=GenerationMode.NEGATIVE)
    assert negative.failures == []
    assert negative.statuses[422] > 0
    assert not [status for status in negative.statuses if status >= 500]
    assert report.seconds + negative.seconds < 120


def test_the_schema_documents_the_real_error_bodies_and_statuses(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    spec = requests.get(f"{server.base}/openapi.json", timeout=30).json()
    paths = spec["paths"]
    invalid = spec["components"]["schemas"]["ValidationErrorBody"]
    assert set(invalid["required"]) == {"code", "message"}
    assert "FieldProblem" in str(invalid["properties"]["detail"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    expected = {
        ("post", "/api/v1/enroll"): {"400", "403", "422", "426"},
        ("post", "/api/v1/sync/push"): {"400", "401", "403", "413", "422", "426"},
        ("post", "/api/v1/sync/pull"): {"400", "401", "410", "422", "426"},
        ("post", "/api/v1/sync/checksums"): {"401", "422", "426"},
        ("put", "/api/v1/sync/blobs/{sha256}"): {"401", "409", "413", "422", "426"},
        ("get", "/api/v1/sync/blobs/{sha256}"): {"401", "404", "426"},
        ("post", "/api/v1/jobs"): {"401", "403", "409", "422"},
        ("post", "/api/v1/jobs/{number}/assign"): {"401", "403", "404", "409", "422"},
        ("get", "/api/v1/jobs/{number}/report"): {"401", "403", "404", "422"},
        ("get", "/api/v1/verify/{number}/{report_hash}"): {"422"},
    }
    for (method, path), statuses in expected.items():
        documented = set(paths[path][method]["responses"])
        assert statuses <= documented, (method, path, statuses - documented)
    # A refusal at HQ has the documented shape.
    answer = requests.post(
        f"{server.base}{p.API}/sync/pull",
        json={"cursor": -1},
        headers={p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)},
        timeout=30,
    )
    assert answer.status_code == 422
    body = p.ValidationErrorBody.model_validate(answer.json())
    assert body.detail and body.detail[0].field == "body.cursor"


def test_a_schema_valid_enrollment_and_blob_upload_are_accepted(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json")
    protocol = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}
    enroll = schema["/api/v1/enroll"]["POST"].Case(
        body={"code": server.code_for("zhang.wei"), "device_name": "平板-01", "platform": "win"},
        headers=protocol,
        media_type="application/json",
    )
    answer = enroll.call_and_validate(base_url=server.base, checks=CHECKS)
    assert answer.status_code == 200
    token = answer.json()["token"]
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(picture, format="PNG")
    photo = picture.getvalue()
    digest = hashlib.sha256(photo).hexdigest()
    upload = schema["/api/v1/sync/blobs/{sha256}"]["PUT"].Case(
        path_parameters={"sha256": digest},
        query={"offset": 0, "total": len(photo)},
        headers={**protocol, "Authorization": f"Bearer {token}"},
        body=photo,
        media_type="application/octet-stream",
    )
    answer = upload.call_and_validate(base_url=server.base, checks=CHECKS)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"sha256": digest, "complete": True, "received": len(photo)}
