"""The request's life: the state machine, the one front door for writes, the form definition,
uploads, the form PDF, the staff screens' workflow actions and the REST API."""
