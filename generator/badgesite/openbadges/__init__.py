"""The Open Badges standard, needing nothing of the app: hashing, reading, fetching, baking."""
