"""badgesite: a static-site generator for public Open Badges."""

__version__ = "0.1.0"
