"""Hand-written mixins of the generated API classes (e.g. `ProductVersionsExtras`)."""
