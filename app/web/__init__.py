"""Flask and FAB plumbing: API base, CSRF for the API, headers, input guard, list arguments,
list widgets, logs, screen writes, labels, formats, template i18n, database set-up."""
