"""Images: what a file really is, resized copies, social cards, image outputs."""
