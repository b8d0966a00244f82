"""Alembic's migrations of goat's schema: env.py and one module per revision under versions/.

A package, so that the wheel and the editable install carry them with the code that needs them."""
