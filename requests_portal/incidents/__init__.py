"""The incident register: leaks, losses and damage of personal data (漏えい等), their
reportability under 個人情報保護法第26条 and 番号法第29条の4, the reports, the notices to the
affected, the committees' reviews and the 再発防止策. See docs/incidents.md.

Modules: rules (pure functions: deadlines, the reportability assessment), permissions (the one
access rule), workflow (the status table), services (every write), selectors (every read),
documents (PDFs), exports, jobs (bulk notices), reminders (the sweep), forms, views.
"""

from requests_portal.incidents.rules import report_deadlines

__all__ = ["report_deadlines"]
