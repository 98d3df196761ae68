"""Set Chinese translations from a JSON file {msgid: msgstr} (plural entries: msgid of the singular).

Used by developers after `makemessages`; clears the fuzzy flag of every entry it sets.
Usage: python scripts/po_set.py ipops/locale/zh_Hans/LC_MESSAGES/django.po translations.json
"""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> int:
    with open(json_path, encoding="utf-8") as handle:
        wanted: dict[str, str] = json.load(handle)
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    found = set()
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in wanted:
            message.string = (wanted[key],) if isinstance(message.id, tuple) else wanted[key]
            message.flags.discard("fuzzy")
            message.previous_id = []
            found.add(key)
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=79, include_previous=False)
    missing = sorted(set(wanted) - found)
    for key in missing:
        print(f"not in the catalogue: {key!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
