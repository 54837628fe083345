"""The applicant's and the public's pages: my requests, the form, the service page, /verify."""
