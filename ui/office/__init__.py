"""The office's desk: follow-up calls, complaints, reminders and the measures."""
