#!/usr/bin/env bash
# The DNS step of a failover to the second cloud (docs/disaster-recovery.md, "Cloud loss"):
#   scripts/failover-cloud.sh prepare    the Certificate Manager CNAME (terraform/dr-gcp output
#       dns_authorization_record) into the Route 53 zone, so the second cloud's certificate is
#       issued and renewed before any failover (the pipeline runs it after each dr-gcp deploy)
#   scripts/failover-cloud.sh failover   (make failover-cloud) checks that the second cloud
#       answers https://<domain>/readyz with a valid certificate, then points the public A
#       and AAAA records at its load balancer (TTL failover.cloud_dns_ttl); resolvers follow
#       within the old alias records' TTL (60 s)
#   scripts/failover-cloud.sh failback   (make failback-cloud) checks that CloudFront answers
#       again, then restores the alias records to the distribution, as terraform/edge.tf has them
# Needs: DEPLOY_ENV; AWS credentials of the workspace's account that may change its zone (the
# deploy role, or DEPLOY_ROLE_ARN to assume it); for failover/prepare, Google credentials that
# read terraform/dr-gcp's state; for failback, the tooling role that reads the main root's state
# (TF_STATE_BUCKET). While failed over, no deploy may run: its apply would restore the aliases.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DEPLOY_ENV:?set DEPLOY_ENV}"
mode="${1:?usage: failover-cloud.sh prepare|failover|failback}"
export TF_IN_AUTOMATION=1 TF_INPUT=0
CLOUDFRONT_ZONE_ID=Z2FDTNDATAQYW2 # the hosted zone of every CloudFront alias (AWS constant)

# shellcheck source=scripts/workspace-settings.sh
. "$root/scripts/workspace-settings.sh"
conf="$(workspace_settings 'jsonencode({ domain = local.current.domain_name, zone = local.current.hosted_zone_id, ttl = var.failover.cloud_dns_ttl })')"
get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$conf" "$1"; }
domain="$(get domain)" zone="$(get zone)" ttl="$(get ttl)"

if [[ -n "${DEPLOY_ROLE_ARN:-}" ]]; then
  creds="$(aws sts assume-role --role-arn "$DEPLOY_ROLE_ARN" --role-session-name "failover-cloud-$(date +%s)" \
           --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
fi

gcp_outputs() {
  cd "$root/terraform/dr-gcp"
  [[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
  terraform init -input=false -backend-config=backend.hcl >/dev/null
  terraform workspace select "$DEPLOY_ENV" >/dev/null
  terraform output -json
  cd - >/dev/null
}

change() { # change <comment> <JSON list of Changes>: apply to the zone and wait until Route 53 serves it
  local id
  id="$(aws route53 change-resource-record-sets --hosted-zone-id "$zone" \
        --change-batch "$(python3 -c 'import json,sys; print(json.dumps({"Comment": sys.argv[1], "Changes": json.loads(sys.argv[2])}))' "$1" "$2")" \
        --query ChangeInfo.Id --output text)"
  aws route53 wait resource-record-sets-changed --id "$id"
  echo "failover-cloud: $1: in sync ($id)"
}

ready() { # ready <host to connect to>: https://<domain>/readyz through that host, certificate checked for <domain>
  curl -fsS --max-time 10 --connect-to "${domain}:443:$1:443" "https://${domain}/readyz" >/dev/null
}

case "$mode" in
  prepare)
    out="$(gcp_outputs)"
    change "second cloud certificate authorization" "$(python3 -c 'import json,sys; r=json.loads(sys.argv[1])["dns_authorization_record"]["value"]; print(json.dumps([{"Action": "UPSERT", "ResourceRecordSet": {"Name": r["name"], "Type": r["type"], "TTL": 300, "ResourceRecords": [{"Value": r["data"]}]}}]))' "$out")" ;;
  failover)
    out="$(gcp_outputs)"
    ipv4="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["addresses"]["value"]["IPV4"])' "$out")"
    ipv6="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["addresses"]["value"]["IPV6"])' "$out")"
    ready "$ipv4" || { echo "failover-cloud: the second cloud does not answer https://${domain}/readyz at ${ipv4}: not switching" >&2; exit 1; }
    echo "failover-cloud: was: $(aws route53 list-resource-record-sets --hosted-zone-id "$zone" --query "ResourceRecordSets[?Name=='${domain}.' && (Type=='A' || Type=='AAAA')]" --output json | tr -d '\n ')"
    change "failover to the second cloud" "$(python3 -c 'import json,sys; d,t,a,b=sys.argv[1:5]; print(json.dumps([{"Action": "UPSERT", "ResourceRecordSet": {"Name": d, "Type": k, "TTL": int(t), "ResourceRecords": [{"Value": v}]}} for k, v in (("A", a), ("AAAA", b))]))' "$domain" "$ttl" "$ipv4" "$ipv6")"
    echo "failover-cloud: ${domain} -> ${ipv4} ${ipv6} (TTL ${ttl} s). Resolvers drop the CloudFront alias within 60 s. Pause deploy.yml until make failback-cloud." ;;
  failback)
    : "${TF_STATE_BUCKET:?set TF_STATE_BUCKET (the main root's outputs)}"
    cd "$root/terraform"
    [[ -f backend.hcl ]] || cp backend.hcl.example backend.hcl
    terraform init -input=false -backend-config=backend.hcl -backend-config="bucket=${TF_STATE_BUCKET}" >/dev/null
    terraform workspace select "$DEPLOY_ENV" >/dev/null
    cdn="$(terraform output -raw cloudfront_domain_name)"
    cd - >/dev/null
    ready "$cdn" || { echo "failover-cloud: CloudFront (${cdn}) does not answer https://${domain}/readyz: staying on the second cloud" >&2; exit 1; }
    change "failback to CloudFront" "$(python3 -c 'import json,sys; d,c,z=sys.argv[1:4]; print(json.dumps([{"Action": "UPSERT", "ResourceRecordSet": {"Name": d, "Type": k, "AliasTarget": {"DNSName": c, "HostedZoneId": z, "EvaluateTargetHealth": False}}} for k in ("A", "AAAA")]))' "$domain" "$cdn" "$CLOUDFRONT_ZONE_ID")"
    echo "failover-cloud: ${domain} -> ${cdn} (alias, as terraform/edge.tf). Resolvers follow within the second cloud records' TTL (${ttl} s). Deploys may resume." ;;
  *) echo "failover-cloud: unknown mode $mode (prepare, failover, failback)" >&2; exit 2 ;;
esac
