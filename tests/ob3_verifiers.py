"""Runs the two independent Open Badges 3.0 verifiers of the tests, and the independent
signer (Digital Bazaar's, tests/ob3-verifier/sign.mjs), offline.

Digital Bazaar's `@digitalbazaar/vc` stack runs under node from tests/ob3-verifier (installed
from its lockfile by `npm ci`, which scripts/test runs when node_modules is missing), and
openbadgeslib from its own venv (scripts/setup-openbadgeslib-venv). Neither shares code with
badgesite's signer; both read the did:web documents and status lists from site folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from badgesite.openbadges import ob3_contexts

REPO = Path(__file__).resolve().parents[1]
NODE_VERIFIER = REPO / "tests" / "ob3-verifier"
OPENBADGESLIB_VENV = Path(
    os.environ.get("BADGESITE_OPENBADGESLIB_VENV", REPO / ".cache" / "openbadgeslib-venv")
)
CONTEXTS = Path(ob3_contexts.__file__).parent / "contexts"


def _job(tmp: Path, sites: dict[str, Path], credentials: list[Path], resolve: list[str]) -> Path:
    job = tmp / "verify-job.json"
    job.write_text(
        json.dumps(
            {
                "contexts": str(CONTEXTS),
                "sites": {prefix: str(folder) for prefix, folder in sites.items()},
                "credentials": [str(path) for path in credentials],
                "resolve": resolve,
            }
        )
    )
    return job


def run_digital_bazaar(
    tmp: Path, sites: dict[str, Path], credentials: list[Path], resolve: list[str] = ()
) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (NODE_VERIFIER / "node_modules").is_dir():
        pytest.fail("the node verifier is not installed: run scripts/test (it runs npm ci)")
    job = _job(tmp, sites, credentials, list(resolve))
    result = subprocess.run(
        [node, str(NODE_VERIFIER / "verify.mjs"), str(job)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=NODE_VERIFIER,
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def run_digital_bazaar_signer(tmp: Path, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Credentials signed by Digital Bazaar's stack (tests/ob3-verifier/sign.mjs): each item
    {credential, suite, seed (hex), did, created} gives {signed, publicKeyMultibase,
    verificationMethod}, or {error}."""
    node = shutil.which("node")
    if node is None or not (NODE_VERIFIER / "node_modules").is_dir():
        pytest.fail("the node signer is not installed: run scripts/test (it runs npm ci)")
    job = tmp / "sign-job.json"
    job.write_text(json.dumps({"contexts": str(CONTEXTS), "items": items}))
    result = subprocess.run(
        [node, str(NODE_VERIFIER / "sign.mjs"), str(job)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=NODE_VERIFIER,
    )
    assert result.returncode == 0, result.stderr
    signed: list[dict[str, Any]] = json.loads(result.stdout)["items"]
    return signed


def run_openbadgeslib(tmp: Path, sites: dict[str, Path], credentials: list[Path]) -> dict[str, Any]:
    python = OPENBADGESLIB_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail("openbadgeslib is not set up: run scripts/setup-openbadgeslib-venv")
    job = _job(tmp, sites, credentials, [])
    result = subprocess.run(
        [str(python), str(NODE_VERIFIER / "verify_openbadgeslib.py"), str(job)],
        capture_output=True,
        text=True,
        timeout=120,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, Any] = json.loads(result.stdout)
    return output
