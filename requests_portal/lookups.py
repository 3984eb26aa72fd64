"""ORM expressions the portal needs beyond Django's own."""

from collections.abc import Iterable, Sequence

from django.db.models import BooleanField, Expression, F
from django.db.models.lookups import In


class InIdArray(In):
    """``column IN (ids)`` that PostgreSQL receives as ``column = ANY(array)``: one parameter.

    A search for a common surname matches a few thousand members. As an ``IN`` list, each id is a
    parameter that Django prepares and quotes one by one and the database parses one by one; the
    page and its counts pay that twice (about 30 ms for 3,500 ids). An array is one parameter.
    Other databases (the embedded SQLite) get the ordinary ``IN``.

        cases.filter(InIdArray("member_id", member_ids))
    """

    prepare_rhs = False

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column), [int(pk) for pk in ids])

    def as_postgresql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        # Typed as the column: compared across types (bigint = ANY(integer[])), PostgreSQL cannot
        # hash the array and tests each row against every id in turn.
        array_type = self.lhs.output_field.cast_db_type(connection)
        # Sent as the array's text ('{1,2,3}'): psycopg adapts a list element by element in Python,
        # 11 ms for 6,600 ids, against well under 1 ms for the one string (the ids are ints).
        literal = "{" + ",".join(map(str, self.rhs)) + "}"
        return f"{lhs_sql} = ANY(%s::{array_type}[])", (*lhs_params, literal)


class CaseCondition(Expression):
    """A written-out boolean condition on the query's own case, for SQL the ORM is too slow to
    build on every page. ``{case}`` in `sql` stands for the case's id: Django compiles that part
    as a column, so it follows the case wherever the query goes (renamed ``U0`` and the like
    when the queryset becomes a subquery), instead of naming a table that may not be there.
    Values go in as `params`, in the order of their ``%s``; only table names may be written in.

        cases.annotate(flagged=CaseCondition("EXISTS (SELECT 1 FROM t WHERE t.case_id = {case})", []))
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, sql: str, params: Sequence[object]) -> None:
        super().__init__()
        self.sql, self.params = sql, tuple(params)
        self.case: Expression | F = F("pk")

    def get_source_expressions(self) -> list:
        return [self.case]

    def set_source_expressions(self, exprs: Sequence) -> None:
        (self.case,) = exprs

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        case_sql, case_params = compiler.compile(self.case)
        if case_params:  # a column has none; anything else would put the parameters out of order
            raise ValueError("CaseCondition's case must compile to a plain column")
        return f"({self.sql.replace('{case}', case_sql)})", self.params
