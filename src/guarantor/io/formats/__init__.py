"""Importers: one module per input layout."""

__all__: list[str] = []
