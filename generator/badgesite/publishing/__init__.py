"""What the site publishes for the standard: its Open Badges 2.0 documents, built from the model."""
