"""Small, deterministic customer data for the steps: churn grows with support tickets and shrinks with tenure."""

from __future__ import annotations

import csv
import io
import random

COLUMNS = ["customer_id", "tenure_months", "monthly_spend", "support_tickets", "churned"]


def customer_rows(count: int = 400, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        tenure = rng.randint(1, 72)
        tickets = rng.randint(0, 8)
        spend = round(rng.uniform(10, 120), 2)
        risk = 0.45 * tickets - 0.06 * tenure + rng.gauss(0, 0.6)
        rows.append(
            {
                "customer_id": f"c{number:04d}",
                "tenure_months": str(tenure),
                "monthly_spend": str(spend),
                "support_tickets": str(tickets),
                "churned": "1" if risk > 0 else "0",
            }
        )
    return rows


def customers_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
