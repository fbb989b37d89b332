"""python -m examples.department_system --api URL --department ID --secret whsec_… [--port N]:
receive deliveries on 127.0.0.1 and catch up through the signed reads every minute."""

from __future__ import annotations

import argparse
import time

from examples.department_system.system import DepartmentSystem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api", required=True, help="the API's base URL")
    parser.add_argument("--department", required=True, help="the department's id")
    parser.add_argument("--secret", required=True, help="the department's signing secret")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between catch-ups")
    args = parser.parse_args()
    system = DepartmentSystem(args.api, args.department, args.secret, port=args.port).start()
    print(f"receiving at {system.url}; register it with PUT /departments/{args.department}/webhook")
    try:
        while True:
            applied = system.catch_up()
            print(f"caught up: {applied} work order(s) applied, {len(system.work_orders)} held")
            time.sleep(args.every)
    except KeyboardInterrupt:
        system.stop()


if __name__ == "__main__":
    main()
