"""Storage: the schema, its migrations, and the only code in klagestat that talks SQL."""
