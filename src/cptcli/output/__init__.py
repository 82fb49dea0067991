"""Output: turning results into text for people and programs (formats, pages, the pager)."""
