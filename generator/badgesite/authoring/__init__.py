"""Commands that write content/: award, revoke, bulk issuing, safe YAML edits, new sites."""
