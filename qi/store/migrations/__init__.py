"""Alembic migrations for the qi schema."""
