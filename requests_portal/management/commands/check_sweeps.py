"""Exit 1 when a watched sweep is overdue: beat's container health check
(docs/reliability.md#heartbeats)."""

from django.core.management.base import BaseCommand, CommandError

from requests_portal import health


class Command(BaseCommand):
    help = "Exit 1 when the outbox, letter or reminder sweep has not run for DSR_HEALTH_SWEEP_OVERDUE_SECONDS."

    def handle(self, *args: object, **options: object) -> None:
        ages = health.sweep_ages()
        for age in ages:
            shown = "never" if age.age_seconds is None else f"{age.age_seconds:.0f} s ago"
            self.stdout.write(f"{age.name}: {shown}{' (overdue)' if age.overdue else ''}")
        overdue = [age.name for age in ages if age.overdue]
        if overdue:
            raise CommandError(f"overdue: {', '.join(overdue)}")
