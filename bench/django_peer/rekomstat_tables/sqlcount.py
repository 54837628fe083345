"""Statements per request, for the counting pass only (settings: BENCH_PEER_COUNT_SQL=1)."""
from django.db import connection


class CountSqlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen = []

        def counter(execute, sql, params, many, context):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Bench-SQL"] = str(len(seen))
        return response
