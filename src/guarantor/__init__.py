"""Guarantor: a security-guarantee agreement as running software."""

__all__ = ["__version__"]

__version__ = "0.1.0"
