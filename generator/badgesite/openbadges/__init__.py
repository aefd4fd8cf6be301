"""The Open Badges standard: documents out, recipient hashing, and later baking and verifying."""
