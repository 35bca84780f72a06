"""Validation helpers: JSON Schema checks with positions, and content safety checks.

The entry point stays :func:`engine.validate.validate`; this package holds
the parts that are big enough to deserve their own module.
"""
