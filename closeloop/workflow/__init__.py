"""The ticket workflow as data: statuses, the catalogue of actions and the milestone tables.

Pure: no models and no database, so the pack validator (`policy`) can check packs against the
same tables the ticket services and the deadline engine run on, without importing either.
"""
