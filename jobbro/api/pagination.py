"""Pages of a list: `limit` (default 100, at most 500) rows from `offset`, in a fixed order (by id)."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500
