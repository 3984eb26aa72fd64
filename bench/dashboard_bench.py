"""Dashboard timing at 100,000+ cases: the report (aggregate queries only) and the whole page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kp_bench .venv/bin/python bench/dashboard_bench.py [--cases N]

Prints, for a supervisor and a My Number officer, the number of queries and the median of five
runs for a 12-month and a 5-year period, and for the rendered page (charts and tables included).
"""

import statistics
import time

from dashboard_data import arguments, ensure_cases, setup_django, staff_client


def timed(function, runs: int = 5) -> tuple[float, object]:
    durations, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), result


def main() -> None:
    options = arguments(__doc__)
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from requests_portal import reports
    from requests_portal.models import DataSubjectRequest, RequestEvent
    from requests_portal.roles import Role

    staff = ensure_cases(options.cases, reset=options.reset)
    print(
        f"\n{connection.vendor}: {DataSubjectRequest.objects.count():,} cases, "
        f"{RequestEvent.objects.count():,} timeline events"
    )
    today = timezone.localdate()
    periods = {
        "12 months": reports.ReportFilter.default(today),
        "5 years": reports.ReportFilter(date_from=today.replace(year=today.year - 5), date_to=today),
    }
    for role in (Role.GA_SUPERVISOR, Role.MY_NUMBER_OFFICER):
        user = staff[role]
        for label, report_filter in periods.items():
            with CaptureQueriesContext(connection) as queries:
                report = reports.dashboard_report(viewer=user, report_filter=report_filter)
            seconds, _report = timed(
                lambda u=user, f=report_filter: reports.dashboard_report(viewer=u, report_filter=f)
            )
            print(
                f"report  {role:<17} {label:<9}: {seconds * 1000:7.0f} ms median of 5, "
                f"{len(queries.captured_queries)} queries, {report.received_total:,} received, "
                f"{report.timeliness.decided:,} decided"
            )
        fy = reports.available_fiscal_years(user)[1]
        seconds, _stats = timed(lambda u=user, y=fy: reports.annual_statistics(viewer=u, year=y))
        print(f"annual  {role:<17} FY{fy}    : {seconds * 1000:7.0f} ms median of 5")
    client = staff_client(staff[Role.GA_SUPERVISOR])
    seconds, response = timed(lambda: client.get("/oversight/", HTTP_HOST="127.0.0.1"))
    size = len(response.content)
    print(f"page    ga_supervisor     12 months: {seconds * 1000:7.0f} ms median of 5 ({size:,} bytes)")


if __name__ == "__main__":
    main()
