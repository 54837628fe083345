"""Full-text search of recommended activities, the catalogue page and the open API."""
