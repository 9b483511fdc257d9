"""For .ci/package: give an installed app's store work not yet synced, as an engineer
on site would (a region added, a customer's phone corrected) and a setting (the
language), so the upgrade can be seen to keep them.

    python packaging/make_unsynced.py DATA_DIR   # prints the number of changes waiting
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from fieldapp.models import Customer, Region  # noqa: E402
from fieldapp.store import Store  # noqa: E402


def main() -> int:
    store = Store.open(Path(sys.argv[1]))
    try:
        with store.action() as session:
            session.add(Region(code="CI", name_zh="升级测试区域"))
            customer = session.exec(select(Customer).limit(1)).first()
            if customer is not None:
                customer.phone = "0551-6000-0000"
        store.set_setting("ui.language", "en")
        sys.stdout.write(f"{sum(store.pending_changes().values())}\n")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
