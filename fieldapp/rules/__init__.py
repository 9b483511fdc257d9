"""The trade's rules as plain functions: no database, no clock of their own."""
