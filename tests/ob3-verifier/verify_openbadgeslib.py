"""Verifies Open Badges 3.0 credentials with openbadgeslib (LGPL, a test tool only), offline.

Run with the Python of the venv scripts/setup-openbadgeslib-venv makes:
    python verify_openbadgeslib.py JOB.json
JOB is the one verify.mjs reads ({"sites": {URL prefix: folder}, "credentials": [file, ...]});
openbadgeslib bundles its own copies of the contexts, and every did:web document and status
list is read from the site folders through its `download` hook. Prints one JSON line:
{"credentials": [{"file", "proof_verified", "verified", "errors", "revoked"}]}: the proof
alone, then the proof with the credential's status.
"""

import json
import sys
from pathlib import Path
from urllib.parse import unquote

from openbadgeslib.ob3.ldp import OB3LdpVerifier


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())

    def download(url, *args, **kwargs):
        for prefix, folder in job.get("sites", {}).items():
            if url.startswith(prefix):
                return (Path(folder) / unquote(url[len(prefix) :])).read_bytes()
        raise OSError(f"offline: no document for {url}")

    results = []
    for file in job.get("credentials", []):
        document = Path(file).read_bytes()
        entry = {"file": file, "verified": False, "errors": [], "revoked": False}
        try:
            OB3LdpVerifier().verify(document, check_status=False, download=download)
            entry["proof_verified"] = True
        except Exception as error:
            entry["proof_verified"] = False
            entry["errors"].append(f"{type(error).__name__}: {error}")
            results.append(entry)
            continue
        try:
            # openbadgeslib verifies a status list's own proof only when the list is a VC-JWT;
            # it reads the bit of a Data Integrity list all the same (the Digital Bazaar run
            # verifies the list's proof).
            OB3LdpVerifier().verify(
                document, check_status=True, download=download, verify_status_list=False
            )
            entry["verified"] = True
        except Exception as error:  # every failure is a result to report, not a crash
            entry["errors"].append(f"{type(error).__name__}: {error}")
            entry["revoked"] = "status 'revocation' is set" in str(error)
        results.append(entry)
    print(json.dumps({"credentials": results}))


if __name__ == "__main__":
    main()
