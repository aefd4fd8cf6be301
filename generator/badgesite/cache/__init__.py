"""Everything a build keeps for the next one: stores, identities, fingerprints, the source stamp."""
