"""Cursor pagination: each item once, however the list changes between pages."""

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Pages ordered by a field that never changes and never repeats (the primary key, or a
    view's `ordering`, which must end with one); `?page_size=` up to 100."""

    ordering = "pk"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class SessionCursorPagination(StableCursorPagination):
    """Sessions by start, then id, so that two sessions at the same time keep their order."""

    ordering = ("starts_at", "pk")
