"""The `operations` module: alarms, dashboard, chargeback queries and the cost budget of one gateway."""
