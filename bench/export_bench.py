"""Export throughput at 100,000+ cases: the streamed CSV and the bulk-job export, with peak memory.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/kp_bench .venv/bin/python bench/export_bench.py [--cases N]
"""

import time
import tracemalloc

from dashboard_data import arguments, ensure_cases, setup_django, staff_client


def main() -> None:
    options = arguments(__doc__)
    setup_django()
    from django.db import connection

    from requests_portal import exports, jobs
    from requests_portal.models import BulkJob, DataSubjectRequest
    from requests_portal.roles import Role

    staff = ensure_cases(options.cases, reset=options.reset)
    supervisor = staff[Role.GA_SUPERVISOR]
    print(f"\n{connection.vendor}: {DataSubjectRequest.objects.count():,} cases")
    client = staff_client(supervisor)

    for traced in (False, True):
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        # Every case, not the queue's default of the unanswered ones.
        response = client.get("/oversight/export/queue.csv", {"status": "all"}, HTTP_HOST="127.0.0.1")
        size = rows = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            rows += chunk.count(b"\r\n")
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        label = "streamed (traced)" if traced else "streamed"
        memory = f", peak {peak / 1_048_576:.1f} MiB (tracemalloc)" if traced else ""
        print(
            f"{label:<18}: {rows - 1:,} rows, {size / 1_048_576:.1f} MiB in {seconds:.1f} s "
            f"= {(rows - 1) / seconds:,.0f} rows/s{memory}"
        )

    started = time.perf_counter()
    job = BulkJob.objects.create(kind=exports.QUEUE_EXPORT_JOB, created_by=supervisor, params={"query": "status=all"})
    while not jobs.job_run(job_id=job.pk, time_budget=3600):
        pass
    job.refresh_from_db()
    seconds = time.perf_counter() - started
    print(
        f"{'bulk job':<18}: {job.done:,} rows in {len(job.result['parts'])} encrypted parts, "
        f"{job.result['bytes'] / 1_048_576:.1f} MiB in {seconds:.1f} s = {job.done / seconds:,.0f} rows/s ({job.state})"
    )
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in exports.job_file_chunks(job))
    print(f"{'job download':<18}: {size / 1_048_576:.1f} MiB decrypted in {time.perf_counter() - started:.1f} s")
    from requests_portal import storage

    for name in job.result["parts"]:
        storage.delete(name)
    job.delete()


if __name__ == "__main__":
    main()
