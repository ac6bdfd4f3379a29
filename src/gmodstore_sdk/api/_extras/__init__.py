"""Hand-written extras of the generated API classes: mixins (`ProductVersionsExtras`) and helpers
(`product_purchases`: `has_active_purchase`, create's recovery)."""
