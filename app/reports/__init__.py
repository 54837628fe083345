"""The satisfaction index and dashboard figures, the dashboard, exports, the staff home."""
