"""E-mail to residents: rendered from templates/email/, sent over SMTP from the outbox."""
