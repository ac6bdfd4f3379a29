"""Users, teams, products, personal access tokens, permission groups, two-factor and tenants.

``routes`` (FastAPI) -> ``service`` (the rules, domain errors) -> ``storage`` (SQL). The visibility
rules are listed in the README ("Sandbox identity rules") and in `service`'s docstring.
"""
