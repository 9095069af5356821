# origin.<domain>: the one origin name of POST server functions (edge.tf), answered by
# Route 53 with the primary's ALB while its health check (modules/region/health.tf) is
# healthy, else with the standby's. GET requests fail over faster, in CloudFront's origin
# group; this record is what lets a POST (the Reload button) reach the standby at all.

resource "aws_route53_record" "origin_failover" {
  #checkov:skip=CKV2_AWS_23: Each record is an alias of its region's ALB (modules/region output alb); checkov does not follow a module output into the alias.
  for_each        = local.has_standby ? local.albs : {}
  zone_id         = local.settings.hosted_zone_id
  name            = local.failover_origin_host
  type            = "A"
  set_identifier  = local.regions[each.key].region
  health_check_id = local.health_checks[each.key]

  failover_routing_policy {
    type = each.key == "primary" ? "PRIMARY" : "SECONDARY"
  }

  alias {
    name                   = each.value.dns_name
    zone_id                = each.value.zone_id
    evaluate_target_health = false # the health check decides; the ALB itself stays up when its targets die
  }
}
