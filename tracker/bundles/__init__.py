"""tracker-bundle/1: the JSON exchange format, its schema and its validation."""

from tracker.bundles.validate import (
    BundleProblem,
    BundleTextError,
    load_bundle_text,
    schema,
    validate_bundle,
)

__all__ = ["BundleProblem", "BundleTextError", "load_bundle_text", "schema", "validate_bundle"]
