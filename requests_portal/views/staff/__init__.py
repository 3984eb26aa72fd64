"""The staff workspace, one module per screen: the home page and queue (queue.py), intake of
paper, phone and counter requests (intake.py), the case page (case.py), its actions
(actions.py), disclosed data (documents.py), individual access grants (grants.py), duplicates
and linked cases (links.py), handing over one person's cases (reassign.py) and the roster
upload (roster.py).

Thin views: access check, form, service, redirect. Every case list and count starts from
selectors.dsr_visible_to_staff; every case page from permissions.access_dsr_for_staff, so a
case outside the user's queues (a My Number case for everyone but the officers) answers 404
exactly like a missing one.
"""
