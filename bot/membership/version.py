"""Which version of a group's code of conduct a member agrees to.

The version is a short hash of the code's wording as members read it (the
trust's `code_of_conduct` text and its name), so a changed code is noticed
without anyone remembering to bump a number; a trust may add its own label
(`membership.code_version`), which is shown and also counts as a change.
Contacts and the group's title are left out: a new PALS phone number or a
renamed group is not a new code.
"""

from __future__ import annotations

import hashlib

from bot.codeofconduct.policy_file import GroupPolicy

CODE_TEXT_KEY = "code_of_conduct"


def code_version(group: GroupPolicy) -> str:
    wording = f"{group.trust_name}\n{group.texts.template(CODE_TEXT_KEY)}"
    digest = hashlib.sha256(wording.encode("utf-8")).hexdigest()[:8]
    label = group.settings.membership.code_version
    return f"{label}/{digest}" if label else digest
