"""A protected case (report or confidential) keeps a customer record of its own.

Before this, records were shared by name and phone, so a report and the same caller's ordinary
cases could point at one record. Each such report now gets a copy of its own, and a record left
to protected cases alone is marked protected, so no later ticket finds it. What was already
written into a shared record cannot be told apart: those values stay where they are.
Repeat hints learn which of the tickets they name are protected.
"""

from django.db import migrations, models
from django.db.models import Count, Q

CHUNK = 2000


def _protected_q() -> Q:
    return Q(confidential=True) | Q(kind="report")


def split_protected_customers(apps, schema_editor):
    Customer = apps.get_model("tickets", "Customer")
    Ticket = apps.get_model("tickets", "Ticket")
    rows = list(
        Ticket.objects.filter(_protected_q(), customer__isnull=False)
        .order_by("id")
        .values_list("id", "customer_id")
    )
    fields = ["name", "type", "phone", "email", "id_number", "organisation", "address"]
    touched: set[int] = set()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        uses = dict(
            Ticket.objects.filter(customer_id__in={c for _, c in chunk})
            .values_list("customer_id")
            .annotate(n=Count("id"))
            .values_list("customer_id", "n")
        )
        originals = Customer.objects.in_bulk({c for _, c in chunk})
        for ticket_id, customer_id in chunk:
            original = originals[customer_id]
            if uses[customer_id] == 1:
                Customer.objects.filter(pk=customer_id).update(protected=True)
                continue
            copy = Customer.objects.create(
                **{f: getattr(original, f) for f in fields},
                is_key_customer=original.is_key_customer,
                protected=True,
            )
            Ticket.objects.filter(pk=ticket_id).update(customer=copy)
            touched.add(customer_id)
    # A shared record whose every ticket was protected now belongs to none: nothing may find it.
    left_to_none = Customer.objects.filter(pk__in=touched).exclude(
        pk__in=Ticket.objects.filter(customer_id__in=touched).values("customer_id")
    )
    left_to_none.update(protected=True)


def flag_repeat_hints(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    with_hints = Ticket.objects.exclude(repeat_candidates=[]).only("id", "repeat_candidates")
    for start in range(0, with_hints.count(), CHUNK):
        tickets = list(with_hints.order_by("id")[start : start + CHUNK])
        numbers = {c["number"] for t in tickets for c in t.repeat_candidates}
        protected = set(
            Ticket.objects.filter(_protected_q(), number__in=numbers).values_list(
                "number", flat=True
            )
        )
        for t in tickets:
            t.repeat_candidates = [
                {**c, "protected": c["number"] in protected} for c in t.repeat_candidates
            ]
        Ticket.objects.bulk_update(tickets, ["repeat_candidates"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_customer_history_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="protected",
            field=models.BooleanField(default=False, verbose_name="protected"),
        ),
        migrations.RunPython(split_protected_customers, migrations.RunPython.noop),
        migrations.RunPython(flag_repeat_hints, migrations.RunPython.noop),
    ]
