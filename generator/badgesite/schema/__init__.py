"""What a record may hold: typed field readers and the schemas that drive them."""
