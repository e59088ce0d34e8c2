"""Shared infrastructure: the database base, engines and sessions, migrations, paths.

The lowest of our layers above ``knowledge_base``: it imports none of the feature packages.
"""
