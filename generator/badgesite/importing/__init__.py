"""Badges of other issuers: imported into content/imported/, their snapshots read back."""
