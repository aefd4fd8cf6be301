"""RDFC-1.0 canonical N-Quads of a foreign JSON-LD document, within bounds of size and time.

A credential being verified is someone else's input, and RDFC-1.0 is exponential on graphs
built for it: where blank nodes cannot be told apart by the quads they are in (their
"first-degree hashes" collide), the algorithm tries every ordering of each group, so a
credential of 2 x 8 look-alike blank nodes, a few hundred bytes, takes seconds, and 2 x 10
takes hours. pyoxigraph has no limit of its own and holds the interpreter while it works, so:
- the document is refused past MAX_DOCUMENT_BYTES of JSON, MAX_DEPTH of nesting, MAX_QUADS
  quads or MAX_BLANK_NODES blank nodes, before anything is canonicalized;
- when every blank node's first-degree hash is unique (every credential badgesite signs, and
  most others), RDFC-1.0 never permutes: it runs in-process, in n log n;
- otherwise it runs in a child process killed after the time budget (TIME_BUDGET_SECONDS),
  and a document that takes longer is refused as a canonicalization bomb.
The document is first checked as rdf_canon checks one (JSON-LD safe mode: undefined terms,
relative IRIs, pinned contexts only), in its `foreign` mode.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyoxigraph

from badgesite.openbadges.json_text import json_depth
from badgesite.openbadges.rdf_canon import checked_quads

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_QUADS = 5_000
MAX_BLANK_NODES = 500
TIME_BUDGET_SECONDS = 5.0

# Run by `python -c` in the child: reads N-Quads, writes their canonical form.
_CHILD = (
    "import sys, pyoxigraph as o\n"
    "d = o.Dataset(o.parse(sys.stdin.buffer.read(), format=o.RdfFormat.N_QUADS))\n"
    "d.canonicalize(o.CanonicalizationAlgorithm.RDFC_1_0)\n"
    "sys.stdout.buffer.write(o.serialize(d, format=o.RdfFormat.N_QUADS) or b'')\n"
)


class CanonicalizationRefused(ValueError):
    """A foreign document too large, too deep or too slow to canonicalize; says which."""


def _blank_nodes(quad: pyoxigraph.Quad) -> list[pyoxigraph.BlankNode]:
    return [
        term
        for term in (quad.subject, quad.object, quad.graph_name)
        if isinstance(term, pyoxigraph.BlankNode)
    ]


def _first_degree_hashes_are_unique(quads: list[pyoxigraph.Quad]) -> bool:
    """Whether no two blank nodes share RDFC-1.0's first-degree hash (then nothing is
    permuted). The hash is of the quads naming the node, itself written `_:a` and every
    other blank node `_:z`, sorted: any injective writing of those quads groups alike."""
    mentions: dict[str, list[pyoxigraph.Quad]] = defaultdict(list)
    for quad in quads:
        for node in {node.value for node in _blank_nodes(quad)}:
            mentions[node].append(quad)
    itself, other = pyoxigraph.BlankNode("a"), pyoxigraph.BlankNode("z")

    def relabel(term: Any, node: str) -> Any:
        if isinstance(term, pyoxigraph.BlankNode):
            return itself if term.value == node else other
        return term

    seen: set[bytes] = set()
    for node, node_quads in mentions.items():
        lines = sorted(
            str(
                pyoxigraph.Quad(
                    relabel(quad.subject, node),
                    quad.predicate,
                    relabel(quad.object, node),
                    relabel(quad.graph_name, node),
                )
            )
            for quad in node_quads
        )
        digest = hashlib.sha256("\n".join(lines).encode("utf-8")).digest()
        if digest in seen:
            return False
        seen.add(digest)
    return True


def _in_child(nquads: bytes, budget: float) -> bytes:
    # The child's working folder is pyoxigraph's own: `python -c` puts it first on the path,
    # and there nothing but the installed packages can be imported in its place.
    folder = Path(pyoxigraph.__file__).resolve().parent.parent
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=nquads,
            capture_output=True,
            timeout=budget,
            cwd=folder,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CanonicalizationRefused(
            f"canonicalizing it took longer than {budget:g} s: its blank nodes are built to "
            "make RDFC-1.0 slow (a canonicalization bomb); refused"
        ) from None
    if result.returncode != 0:
        raise CanonicalizationRefused(
            "the canonicalizer failed: " + result.stderr.decode("utf-8", "replace")[-300:]
        )
    return result.stdout


def foreign_nquads(
    document: dict[str, Any],
    extra_contexts: Mapping[str, Any] | None = None,
    budget: float = TIME_BUDGET_SECONDS,
) -> str:
    """The RDFC-1.0 canonical N-Quads of a foreign `document`, sorted: UnsafeDocument when
    a safe-mode verifier would refuse it, CanonicalizationRefused past the bounds."""
    try:
        text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    except (RecursionError, ValueError, TypeError) as error:
        raise CanonicalizationRefused(f"not a JSON document to canonicalize ({error})") from None
    size = len(text.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise CanonicalizationRefused(
            f"{size} bytes of JSON to canonicalize; the limit is {MAX_DOCUMENT_BYTES}"
        )
    depth = json_depth(text)
    if depth > MAX_DEPTH:
        raise CanonicalizationRefused(f"nested {depth} levels deep; the limit is {MAX_DEPTH}")
    quads = checked_quads(document, extra_contexts, foreign=True)
    if len(quads) > MAX_QUADS:
        raise CanonicalizationRefused(f"{len(quads)} RDF statements; the limit is {MAX_QUADS}")
    blank = {node.value for quad in quads for node in _blank_nodes(quad)}
    if len(blank) > MAX_BLANK_NODES:
        raise CanonicalizationRefused(
            f"{len(blank)} blank nodes (objects without an id); the limit is {MAX_BLANK_NODES}"
        )
    dataset = pyoxigraph.Dataset(quads)
    if _first_degree_hashes_are_unique(quads):
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    else:
        plain = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
        serialized = _in_child(plain, budget)
    lines = serialized.decode("utf-8").splitlines(keepends=True)
    return "".join(sorted(lines))
