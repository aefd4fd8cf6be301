"""Building blocks that depend on nothing else in badgesite: files, dates, slugs, formats."""
