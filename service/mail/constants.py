"""Names used by the mail package."""

from __future__ import annotations

#: Folder under INSTANCE_DIR where the embedded default writes mails instead of sending.
MAIL_DIR = "mail"
#: The parts every template folder templates/email/<template>/ holds.
PARTS = ("subject.txt", "body.txt", "body.html")
