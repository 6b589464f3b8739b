"""The JSON API v1 (``docs/API.md``): endpoints, after-work endpoints, the OpenAPI document."""
