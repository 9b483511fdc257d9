"""The engineer's desk: the job list, the job page and its tabs, the machine's history."""
