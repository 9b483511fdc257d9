"""The supervisor's desk: review the signed reports, dispatch and assign, parts requests."""
