"""What every desk shares: widgets, theme, touch, the door for background work (tasks),
translations, labels, the report renderer."""
