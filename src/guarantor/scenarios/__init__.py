"""scenarios layer of Guarantor (see PRODUCT.md section 5)."""

__all__: list[str] = []
