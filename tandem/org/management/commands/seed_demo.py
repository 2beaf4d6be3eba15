from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.org.demo import COMPANY, print_demo_logins, seed_demo


class Command(BaseCommand):
    help = (
        f"Add the demo company {COMPANY!r} (about 30 people, teams, positions, roles) and a year of its "
        "CRM (accounts, contacts, leads, deals, follow-ups, public pools). Safe to re-run: only what is "
        "missing is created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has people (superusers made by hand do not count).",
        )
        parser.add_argument(
            "--no-crm",
            action="store_true",
            help="Only the organisation: people, teams and positions, without customers, deals and follow-ups.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = seed_demo(if_empty=options["if_empty"])
        except (ImproperlyConfigured, ValidationError) as exc:
            raise CommandError(f"The demo company was not added: {exc}") from exc
        totals = result.totals
        if result.skipped:
            self.stdout.write(
                f"The database already has people ({totals['people']}); the demo company was not added. "
                "Run `tandem seed-demo` without --if-empty to add it anyway."
            )
        else:
            created = result.created
            if any(created.values()):
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{COMPANY}: added {created['people']} people, {created['teams']} teams "
                        f"and {created['positions']} positions."
                    )
                )
            else:
                self.stdout.write(f"{COMPANY} is complete already: nothing added.")
        self.stdout.write(
            f"In the database now: people {totals['people']} active + {totals['deactivated']} deactivated, "
            f"teams {totals['teams']}, positions {totals['positions']}, transfers {totals['transfers']}."
        )
        if not result.skipped and not options["no_crm"]:
            self._seed_crm()
        print_demo_logins(self.stdout)

    def _seed_crm(self) -> None:
        from tandem.customers.demo import seed_crm

        try:
            crm = seed_crm()
        except (ImproperlyConfigured, ValidationError) as exc:
            raise CommandError(f"The demo CRM was not added: {exc}") from exc
        for line in crm.summary_lines():
            self.stdout.write(line)
        # A year of targets, then forecasts with weekly snapshots, on the CRM's deals.
        from tandem.forecasts.demo import seed_forecasts
        from tandem.targets.demo import seed_targets

        self.stdout.write(seed_targets().summary_line())
        self.stdout.write(seed_forecasts().summary_line())
        # Record teams (issue 14 §1) on demo accounts and deals.
        from tandem.recordteams.demo import seed_record_teams

        self.stdout.write(seed_record_teams().summary_line())
        # Handoffs (交接): templates and handoffs in every state between demo people.
        from tandem.handoffs.demo import seed_handoffs

        self.stdout.write(seed_handoffs().summary_line())
        from tandem.discussions.demo import seed_discussions

        self.stdout.write(seed_discussions().summary_line())
        from tandem.approvals.demo import seed_approvals

        self.stdout.write(seed_approvals().summary_line())
        # Notification channels (issue 14): preferences, a disabled webhook, an inactive team robot.
        from tandem.notifications.demo import seed_notifications

        self.stdout.write(seed_notifications().summary_line())
        # Tasks (任务): a live week for 华东销售一部 in every state (issue 15 §1).
        from tandem.tasks.demo import seed_tasks

        self.stdout.write(seed_tasks().summary_line())
        # Projects (项目, issue 15 §2): a key-account campaign and a tender with tasks and milestones.
        from tandem.projects.demo import seed_projects

        self.stdout.write(seed_projects().summary_line())
        # Calendars (issue 15 §3): this week's visits, meetings, a call, training, 团建, capacities.
        from tandem.schedule.demo import seed_schedule

        self.stdout.write(seed_schedule().summary_line())
        # Team meetings (例会): a weekly sales meeting, last week's held, this week's agenda ready.
        from tandem.meetings.demo import seed_meetings

        self.stdout.write(seed_meetings().summary_line())
        # Field visits (外勤签到, issue 15 §4): this week's check-ins of demo reps, one still open.
        from tandem.visits.demo import seed_visits

        self.stdout.write(seed_visits().summary_line())
        # Work reports (issue 15 §6): rules, this week's daily reports and last week's weekly one.
        from tandem.reports.demo import seed_reports

        self.stdout.write(seed_reports().summary_line())
