"""What loading a policy pack tells the apps above it.

`pack_replacing` is sent inside `pack_load`'s transaction, before anything is written, when
the pack being loaded would replace the active one with another organisation (another pack
by name). Keyword arguments: `active` (the active `PolicyPack`) and `spec` (the `PackSpec`
being loaded). A receiver refuses the switch by raising a `ServiceError`, which rolls the
load back: tickets refuse once the database holds any (`tickets.receivers`).
"""

from django.dispatch import Signal

pack_replacing = Signal()
