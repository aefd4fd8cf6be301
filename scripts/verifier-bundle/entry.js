// The one entry of the verifier bundle: JSON-LD to canonical N-Quads (RDFC-1.0), and nothing
// that fetches. The page hands in its own document loader, which serves only pinned contexts.
import jsonld from "jsonld";

globalThis.BadgesiteCanon = {
  canonize(document, documentLoader, signal) {
    return jsonld.canonize(document, {
      algorithm: "RDFC-1.0",
      format: "application/n-quads",
      documentLoader,
      safe: true, // a term no context defines is an error, never silently dropped
      rdfDirection: "i18n-datatype",
      maxWorkFactor: 1,
      signal,
    });
  },
};
