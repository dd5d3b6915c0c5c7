#!/usr/bin/env python3
"""Compares two kso scan JSON reports resource by resource.

    live_compare.py same FILE_REPORT LIVE_REPORT
        Every (resource, control) result of the file scan, for the controls
        both scans ran, must be in the live scan with the same status and
        sub-status. Resources are matched by kind, namespace and name (file
        scans give path-based resource IDs). Prints the differences and the
        number of pairs compared; exits 1 on a difference or when fewer than
        MIN pairs (environment, default 100) were compared.

    live_compare.py same-except FULL_REPORT RESTRICTED_REPORT CONTROL...
        Every control of the full scan has the same summary status in the
        restricted scan, except the CONTROLs named.
"""
import json
import os
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def keyed_results(report):
    key = {}
    for res in report.get("resources", []):
        obj = res["object"]
        md = obj.get("metadata", {})
        if "kind" in obj and "name" in md:
            key[res["resourceID"]] = (obj["kind"], md.get("namespace", ""), md["name"])
    out = {}
    for res in report["results"]:
        k = key.get(res["resourceID"])
        if k is None:
            continue
        for c in res["controls"]:
            st = c["status"]
            out[(k, c["controlID"])] = (st.get("status"), st.get("subStatus", ""))
    return out


def same(file_path, live_path):
    fr, lr = load(file_path), load(live_path)
    both = set(fr["summaryDetails"]["controls"]) & set(lr["summaryDetails"]["controls"])
    f, l = keyed_results(fr), keyed_results(lr)
    compared = diffs = 0
    for (k, c), v in sorted(f.items()):
        if c not in both:
            continue
        compared += 1
        if l.get((k, c)) != v:
            diffs += 1
            print(f"  {k[0]} {k[1]}/{k[2]} {c}: files {v}, cluster {l.get((k, c))}")
    print(f"  {compared} (resource, control) results compared over {len(both)} controls, "
          f"{diffs} differ")
    return diffs == 0 and compared >= int(os.environ.get("MIN", "100"))


def same_except(full_path, restricted_path, skip):
    fr, rr = load(full_path), load(restricted_path)
    fc, rc = fr["summaryDetails"]["controls"], rr["summaryDetails"]["controls"]
    diffs = 0
    for cid, c in sorted(fc.items()):
        if cid in skip:
            continue
        a = (c["status"], c.get("statusInfo", {}).get("subStatus", ""))
        r = rc.get(cid)
        b = (r["status"], r.get("statusInfo", {}).get("subStatus", "")) if r else None
        if a != b:
            diffs += 1
            print(f"  {cid}: full {a}, restricted {b}")
    print(f"  {len(fc) - len(skip)} controls compared, {diffs} differ")
    return diffs == 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "same":
        ok = same(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "same-except":
        ok = same_except(sys.argv[2], sys.argv[3], set(sys.argv[4:]))
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)
