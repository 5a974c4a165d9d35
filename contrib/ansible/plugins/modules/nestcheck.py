#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Ansible module: run nestcheck on the managed host and return its report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nestcheck
short_description: Check whether Docker can run on a host or in the system container it is
description:
  - Runs the nestcheck binary on the managed host (a host, or an LXD, Incus, Proxmox VE or LXC
    container) and returns its JSON report, with a summary in C(ansible_facts.nestcheck).
  - Never changes the host, so C(changed) is always false. The launch checks start and remove a
    throwaway container through the host's Docker engine; in check mode they are skipped
    (C(--no-launch)).
  - The host fails only when I(fail_on) asks for it, or when nestcheck could not run at all
    (exit status 2, as for a bad option or a missing file).
options:
  binary:
    description:
      - The nestcheck to run, a name looked up in C(PATH) or a path (such as the
        C(nestcheck-run) wrapper of a bundle made by C(scripts/bundle.sh)).
    type: str
    default: nestcheck
  launch:
    description: Run the launch checks (real containers through the local Docker engine).
    type: bool
    default: true
  probes:
    description: Run the live probes (child processes, test mounts); false is C(--no-probes).
    type: bool
    default: true
  only:
    description: Run only these checks (ids such as C(cgroup.layout), or areas such as C(cgroup)).
    type: list
    elements: str
  skip:
    description: Do not run these checks.
    type: list
    elements: str
  ignore:
    description: Run and report these checks, but count their failures as warnings.
    type: list
    elements: str
  strict:
    description: Warnings make the exit status 1 too (C(--strict)).
    type: bool
    default: false
  timeout:
    description: Bound in seconds on each request to the Docker engine (C(--timeout)).
    type: float
  policy:
    description: A site policy file on the managed host (C(--policy)).
    type: path
  reports:
    description:
      - Further reports written by the same run on the managed host, each C(FORMAT:PATH) as
        C(--report) takes it (C(prometheus:/var/lib/prometheus/node-exporter/nestcheck.prom),
        C(junit:/var/tmp/nestcheck.xml)). A path is required (the JSON report is the
        module's own standard output). Not written in check mode.
    type: list
    elements: str
  json_path:
    description:
      - Also write the JSON report to this path on the managed host (for C(ansible.builtin.fetch)).
        Unlike I(reports), written in check mode too, being the module's own result.
    type: path
  fail_on:
    description:
      - When the host fails. C(never) (the report is the result), C(not_ready) (a check failed),
        C(degraded) (a check failed or warned).
    type: str
    choices: [never, not_ready, degraded]
    default: never
author:
  - nestcheck
"""

EXAMPLES = r"""
- name: Check Docker's chances on every host, without starting containers
  nestcheck.fleet.nestcheck:
    launch: false

- name: Fail the hosts where Docker will not run, and feed node_exporter's textfile collector
  nestcheck.fleet.nestcheck:
    fail_on: not_ready
    reports:
      - prometheus:/var/lib/prometheus/node-exporter/nestcheck.prom
"""

RETURN = r"""
report:
  description: nestcheck's JSON report (schema_version 1).
  returned: success, and when I(fail_on) failed the host
  type: dict
verdict:
  description: C(ready), C(degraded) or C(not_ready).
  returned: success, and when I(fail_on) failed the host
  type: str
exit_status:
  description: nestcheck's exit status (0 no check failed, 1 a check failed, 2 it could not run).
  returned: always
  type: int
command:
  description: The command that ran.
  returned: always
  type: list
  elements: str
ansible_facts:
  description: C(nestcheck), a summary of the report.
  returned: success, and when I(fail_on) failed the host
  type: dict
  contains:
    nestcheck:
      description:
        - C(verdict), C(version), C(host), C(kernel), C(summary) (counts per status),
          C(failed), C(warned), C(errored) (check ids), C(checked_at), C(launch).
      type: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

STATUSES = ("pass", "warn", "fail", "skip", "error")


def find_binary(module, binary):
    if "/" in binary:
        if os.path.isfile(binary) and os.access(binary, os.X_OK):
            return binary
        return None
    return module.get_bin_path(binary, required=False)


def build_command(module, binary):
    p = module.params
    cmd = [binary, "--json"]
    if module.check_mode or not p["launch"]:
        cmd.append("--no-launch")
    if not p["probes"]:
        cmd.append("--no-probes")
    for opt in ("only", "skip", "ignore"):
        if p[opt]:
            cmd += ["--" + opt, ",".join(p[opt])]
    if p["strict"]:
        cmd.append("--strict")
    if p["timeout"] is not None:
        cmd += ["--timeout", "%g" % p["timeout"]]
    if p["policy"]:
        cmd += ["--policy", p["policy"]]
    for r in p["reports"] or []:
        fmt, sep, path = r.partition(":")
        if not sep or not path:
            module.fail_json(msg="reports: '%s' names no path (FORMAT:PATH)" % r, command=cmd, exit_status=-1)
        if not module.check_mode:
            cmd += ["--report", r]
    if p["json_path"]:
        cmd += ["--report", "json:" + p["json_path"]]
    return cmd


def summarize(report):
    checks = report.get("checks") or []
    by = {s: [c.get("id") for c in checks if c.get("status") == s] for s in STATUSES}
    host = report.get("host") or {}
    run = report.get("run") or {}
    facts = {
        "verdict": report.get("verdict"),
        "version": (report.get("tool") or {}).get("version"),
        "host": host.get("name"),
        "kernel": host.get("kernel_release"),
        "summary": report.get("summary") or {s: len(by[s]) for s in STATUSES},
        "failed": by["fail"],
        "warned": by["warn"],
        "errored": by["error"],
        "checked_at": run.get("started_at"),
        "launch": any(c.get("area") == "launch" and c.get("status") != "skip" for c in checks),
    }
    return facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            binary=dict(type="str", default="nestcheck"),
            launch=dict(type="bool", default=True),
            probes=dict(type="bool", default=True),
            only=dict(type="list", elements="str"),
            skip=dict(type="list", elements="str"),
            ignore=dict(type="list", elements="str"),
            strict=dict(type="bool", default=False),
            timeout=dict(type="float"),
            policy=dict(type="path"),
            reports=dict(type="list", elements="str"),
            json_path=dict(type="path"),
            fail_on=dict(type="str", choices=["never", "not_ready", "degraded"], default="never"),
        ),
        supports_check_mode=True,
    )
    binary = find_binary(module, module.params["binary"])
    if binary is None:
        module.fail_json(
            msg="nestcheck not found as '%s' on this host: install it, or let the role "
            "nestcheck.fleet.check push its bundle" % module.params["binary"],
            exit_status=-1,
            command=[module.params["binary"]],
        )
    cmd = build_command(module, binary)
    rc, out, err = module.run_command(cmd, check_rc=False)
    err_line = (err or "").strip().splitlines()
    err_line = err_line[-1] if err_line else ""
    if rc not in (0, 1):
        module.fail_json(
            msg="nestcheck could not run (exit %d): %s" % (rc, err_line or "no word on stderr"),
            exit_status=rc,
            command=cmd,
            stderr=err,
        )
    try:
        report = json.loads(out)
        if not isinstance(report, dict) or "verdict" not in report:
            raise ValueError("no verdict in it")
    except ValueError as e:
        module.fail_json(
            msg="nestcheck's output is not its JSON report (%s): %s" % (e, out[:200]),
            exit_status=rc,
            command=cmd,
            stderr=err,
        )
    facts = summarize(report)
    result = dict(
        changed=False,
        report=report,
        verdict=facts["verdict"],
        exit_status=rc,
        command=cmd,
        ansible_facts={"nestcheck": facts},
    )
    fail_on = module.params["fail_on"]
    verdict = facts["verdict"]
    if (fail_on == "not_ready" and verdict == "not_ready") or (
        fail_on == "degraded" and verdict in ("not_ready", "degraded")
    ):
        bad = facts["failed"] + facts["errored"] + (facts["warned"] if fail_on == "degraded" else [])
        module.fail_json(msg="nestcheck: %s: %s" % (verdict, ", ".join(bad) or "no check named"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
