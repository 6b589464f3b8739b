"""Request plumbing shared by every route: app state, middleware (body limit, CSRF,
rate limit, page sessions), htmx and SSE helpers, static files, metrics.

Nothing here renders a page or knows a route; anything may import it.
"""
