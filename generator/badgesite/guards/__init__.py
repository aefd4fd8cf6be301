"""What protects a site and its readers: lints, and the record of published URLs."""
