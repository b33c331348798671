"""PostgreSQL stores: every decision is one statement or one transaction, on the database clock."""
