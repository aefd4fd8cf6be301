"""The Open Badges standard, needing nothing of the app: hashing, reading, fetching, baking, OB 3.0.

Open Badges 3.0 (library only, not yet wired into the build): ob3_contexts (pinned contexts),
multikey and signing_keys (Ed25519 keys), rdf_canon (RDFC-1.0 with the safe-mode check),
data_integrity (eddsa-rdfc-2022), did_web, ob3 (OpenBadgeCredential) and status_list.
"""
