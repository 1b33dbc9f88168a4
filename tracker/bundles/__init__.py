"""tracker-bundle/1: the JSON exchange format, its schema and its validation."""

from tracker.bundles.validate import (
    BundleTextError,
    load_bundle_text,
    schema,
    validate_bundle,
)

__all__ = ["BundleTextError", "load_bundle_text", "schema", "validate_bundle"]
