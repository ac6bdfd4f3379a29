"""Hand-written extras of the API classes (the generated classes import these)."""
