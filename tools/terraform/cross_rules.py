#!/usr/bin/env python3
"""Rules across resources on the main root's plan (configuration) and applied state
(make tf-emulated runs it), for the two that checkov's graph cannot express here. The
others are checkov graph policies (terraform/checkov, CKV2_HNR_*, in make tf-check).

  sns-key-lets-cloudwatch   a KMS key that encrypts an SNS topic some CloudWatch alarm
                            notifies lets cloudwatch.amazonaws.com use it (kms:Decrypt,
                            kms:GenerateDataKey*), else the alarm can never notify.
                            Not in checkov: the key policies are built from a for_each'd
                            aws_iam_policy_document merged through source_policy_documents;
                            checkov's graph neither follows that merge nor resolves the
                            for_each instance (a connection policy reported aws_kms_key.main
                            and .us_east_1 as lacking the statement they have), and the rule
                            spans three hops (alarm -> topic -> key -> policy), while its
                            connection conditions see one. The rendered policy in the state has
                            the final statements.
  target-groups-covered     every target group a listener rule, an ECS service or a
                            CodeDeploy group can route to is referenced by an
                            UnHealthyHostCount alarm and by the requests scaling policy.
                            Not in checkov: the alarms are `for_each = aws_lb_target_group.app`
                            and the policy's metrics a dynamic block over it; checkov links
                            such a block to one instance only (it reported
                            aws_lb_target_group.app["blue"] as unconnected to any alarm and
                            scaling policy, though both cover it).

Usage: cross_rules.py PLAN.json STATE.json
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from pathlib import Path


def as_list(v):
    return [] if v is None else [v] if isinstance(v, (str, dict)) else list(v)


def state_resources(state: dict) -> list[dict]:
    out, todo = [], [state.get("values", {}).get("root_module", {})]
    while todo:
        m = todo.pop()
        out += m.get("resources", [])
        todo += m.get("child_modules", [])
    return out


def config_resources(plan: dict) -> list[tuple[str, dict]]:
    out, todo = [], [("", plan["configuration"]["root_module"])]
    while todo:
        prefix, m = todo.pop()
        out += [(prefix + r["address"], r) for r in m.get("resources", [])]
        todo += [(f"{prefix}module.{k}.", v["module"]) for k, v in m.get("module_calls", {}).items()]
    return out


def unindexed(address: str) -> str:
    """module.standby[0].aws_lb_target_group.app["blue"] -> module.standby.aws_lb_target_group.app"""
    return re.sub(r"\[[^\]]*\]", "", address)


def refs(expr_block) -> set[str]:
    found = set()
    if isinstance(expr_block, dict):
        found |= set(expr_block.get("references", []))
        for v in expr_block.values():
            found |= refs(v)
    elif isinstance(expr_block, list):
        for v in expr_block:
            found |= refs(v)
    return found


def sns_key_lets_cloudwatch(state: dict) -> list[str]:
    res = state_resources(state)
    topics = {r["values"]["arn"]: r for r in res if r["type"] == "aws_sns_topic"}
    keys = {r["values"]["arn"]: r for r in res if r["type"] == "aws_kms_key"}
    keys.update({r["values"]["key_id"]: r for r in res if r["type"] == "aws_kms_key"})
    problems = []
    notified = {a for r in res if r["type"] == "aws_cloudwatch_metric_alarm" for a in (r["values"].get("alarm_actions") or [])}
    for arn in sorted(notified & set(topics)):
        topic = topics[arn]
        key = keys.get(topic["values"].get("kms_master_key_id") or "")
        if key is None:
            continue
        needed = {"kms:Decrypt": False, "kms:GenerateDataKey": False}
        for st in as_list(json.loads(key["values"]["policy"])["Statement"]):
            principals = as_list((st.get("Principal") or {}).get("Service") if isinstance(st.get("Principal"), dict) else None)
            if st["Effect"] != "Allow" or "cloudwatch.amazonaws.com" not in principals or st.get("Condition"):
                continue
            for want in needed:
                if any(fnmatch.fnmatchcase(want.lower(), a.lower()) for a in as_list(st.get("Action"))):
                    needed[want] = True
        missing = [a for a, ok in needed.items() if not ok]
        if missing:
            problems.append(f"sns-key-lets-cloudwatch: {key['address']} encrypts {topic['address']}, which alarms notify, but does not let cloudwatch.amazonaws.com {', '.join(missing)}")
    return problems


def target_groups_covered(plan: dict, state: dict) -> list[str]:
    """Target groups routed to (config references) vs the alarms (applied state: dimensions)
    and the requests scaling policy (planned values: a RequestCount metric per group, whose
    id is the group's key; dynamic blocks are not in the plan's configuration)."""
    routed_bases = set()
    for addr, r in config_resources(plan):
        if r["type"] in ("aws_lb_listener_rule", "aws_ecs_service", "aws_codedeploy_deployment_group"):
            module = addr[: len(addr) - len(r["address"])]  # references are relative to the module
            routed_bases |= {module + re.sub(r"\[.*", "", x) for x in refs(r.get("expressions", {})) if x.startswith("aws_lb_target_group.")}
    res = state_resources(state)
    groups = [r for r in res if r["type"] == "aws_lb_target_group" and unindexed(r["address"]) in routed_bases]
    alarmed = {d.get("TargetGroup") for r in res if r["type"] == "aws_cloudwatch_metric_alarm" and r["values"].get("metric_name") == "UnHealthyHostCount"
               for d in [r["values"].get("dimensions") or {}]}
    counted = set()
    for rc in plan.get("resource_changes", []):
        if rc["type"] == "aws_appautoscaling_policy":
            for cfg in (rc["change"].get("after") or {}).get("target_tracking_scaling_policy_configuration") or []:
                for spec in cfg.get("customized_metric_specification") or []:
                    for m in spec.get("metrics") or []:
                        if any(x.get("metric_name") == "RequestCount" for st in m.get("metric_stat") or [] for x in st.get("metric") or []):
                            counted.add(m["id"])
    problems = []
    for g in groups:
        if g["values"]["arn_suffix"] not in alarmed:
            problems.append(f"target-groups-covered: {g['address']} receives traffic but no UnHealthyHostCount alarm covers it")
        if str(g.get("index")) not in counted:
            problems.append(f"target-groups-covered: {g['address']} receives traffic but the requests scaling policy does not count it")
    if not groups:
        problems.append("target-groups-covered: no target group found behind listener rules, the ECS service or CodeDeploy")
    return problems


def main(argv: list[str]) -> int:
    plan = json.loads(Path(argv[0]).read_text())
    state = json.loads(Path(argv[1]).read_text())
    problems = sns_key_lets_cloudwatch(state) + target_groups_covered(plan, state)
    for p in problems:
        print(p)
    print(f"cross-resource rules: 2 rules, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
