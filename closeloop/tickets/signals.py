"""What tickets tell the rest of the project, once a change has committed.

`action_done` is sent for each action recorded on a ticket — registering it, and every step
`_move` writes (a registration that also accepts and dispatches sends three) — after the
transaction that took it commits, never for one that rolled back. Keyword arguments:
`ticket`, `action` (an action's name in `workflow.actions`) and `actor` (`None` for the
customer on the portal). Receivers live with the apps that react (the knowledge base drafts
an article from a resolved hard question) and connect in their `AppConfig.ready`, so tickets
import none of them. A receiver that fails is logged; the action stands.
"""

from django.dispatch import Signal

action_done = Signal()
