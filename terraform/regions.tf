# The workspace's regions: the same module, the same image digest, each with its region's
# provider (providers.tf). The standby is warm (standby_min_tasks running, scaling like the
# primary): the app is stateless, so a standby with tasks serves the moment CloudFront or
# Route 53 sends it traffic, while a pilot light would first have to start and pull tasks
# that nothing scales up without traffic (docs/disaster-recovery.md).

locals {
  # The name every region's ALB certificate also covers: the Route 53 failover record
  # (failover.tf) that POST server functions reach.
  failover_origin_host = local.has_domain ? "origin.${local.settings.domain_name}" : null
  region_origin_host   = { for k, r in local.regions : k => local.has_domain ? "origin-${r.code}.${local.settings.domain_name}" : null }
  region_list          = [for r in values(local.regions) : r.region]

  # Single outputs, never a whole module object: the distribution needs the buckets and
  # ALBs, and each region needs the distribution's ARN back.
  static_domain = merge({ primary = module.primary.static_bucket.regional_domain_name }, local.has_standby ? { standby = module.standby[0].static_bucket.regional_domain_name } : {})
  origin_domain = merge({ primary = module.primary.origin_host }, local.has_standby ? { standby = module.standby[0].origin_host } : {})
  albs          = merge({ primary = module.primary.alb }, local.has_standby ? { standby = module.standby[0].alb } : {})
  health_checks = merge({ primary = module.primary.route53_health_check_id }, local.has_standby ? { standby = module.standby[0].route53_health_check_id } : {})
}

module "primary" {
  source = "./modules/region"

  env               = local.env
  name              = local.regions.primary.name
  region            = local.regions.primary.region
  role              = "primary"
  settings          = local.settings
  min_tasks         = local.regions.primary.min_tasks
  ecr_repository    = { url = local.tooling.ecr_repository_url, arn = local.tooling.ecr_repository_arn }
  image_digest      = local.image_digest
  origin_header     = { name = local.origin_header, value = local.origin_secret }
  origin_host_names = local.has_domain ? compact([local.region_origin_host.primary, local.has_standby ? local.failover_origin_host : null]) : []

  cloudfront_distribution_arn = aws_cloudfront_distribution.this.arn
  web_acl_name                = aws_wafv2_web_acl.this.name
  release_regions             = local.region_list
  health_alarm                = { period = local.failover.health_alarm_period, periods = local.failover.health_alarm_periods }
  route53_health_check        = local.has_standby
}

module "standby" {
  source    = "./modules/region"
  count     = local.has_standby ? 1 : 0
  providers = { aws = aws.standby }

  env               = local.env
  name              = local.regions.standby.name
  region            = local.regions.standby.region
  role              = "standby"
  settings          = local.settings
  min_tasks         = local.regions.standby.min_tasks
  ecr_repository    = { url = local.tooling.ecr_replicas[local.regions.standby.region].url, arn = local.tooling.ecr_replicas[local.regions.standby.region].arn }
  image_digest      = local.image_digest
  origin_header     = { name = local.origin_header, value = local.origin_secret }
  origin_host_names = [local.region_origin_host.standby, local.failover_origin_host]

  cloudfront_distribution_arn = aws_cloudfront_distribution.this.arn
  web_acl_name                = aws_wafv2_web_acl.this.name
  release_regions             = local.region_list
  health_alarm                = { period = local.failover.health_alarm_period, periods = local.failover.health_alarm_periods }
  route53_health_check        = local.has_standby
}
