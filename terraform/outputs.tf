output "public_url" {
  description = "Public URL of the site."
  value       = "https://${local.public_host}/"
}

output "cloudfront_domain_name" {
  description = "CloudFront distribution domain name."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "cloudfront_distribution_id" {
  description = "CloudFront distribution id (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "ecr_repository_url" {
  description = "ECR repository in the tooling account that the primary's tasks pull from (each region's own: regions[*].ecr_repository_url)."
  value       = local.tooling.ecr_repository_url
}

output "image_digest" {
  description = "The image digest this workspace runs, in every region."
  value       = local.image_digest
}

output "deploy_role_arn" {
  description = "Role the aws provider assumes in this workspace's account (the pipeline assumes it to sync /pkg assets)."
  value       = local.settings.deploy_role_arn
}

output "workspace_settings" {
  description = "The settings this workspace was applied with (from modules/settings)."
  value       = local.settings
}

# What scripts/deploy.sh does per region, primary first: sync /pkg into static_bucket,
# deploy through CodeDeploy (codedeploy, BLUE_GREEN) and record the release metric.
output "regions" {
  description = "Per region (primary, standby): region, ALB DNS name, static bucket, ECS cluster/service, log group, dashboard, alarm topic, ECR repository, codedeploy (null for ROLLING), deployed_digest_parameter (the release record /status reads)."
  value = { for k, m in merge({ primary = module.primary }, local.has_standby ? { standby = module.standby[0] } : {}) : k => {
    region             = local.regions[k].region
    alb_dns_name       = m.alb.dns_name
    static_bucket      = m.static_bucket.bucket
    ecs_cluster_name   = m.ecs.cluster
    ecs_service_name   = m.ecs.service
    log_group_name     = m.log_group_name
    dashboard_url      = m.dashboard_url
    alarm_topic_arn    = m.alarm_topic_arn
    ecr_repository_url = k == "primary" ? local.tooling.ecr_repository_url : local.tooling.ecr_replicas[local.regions[k].region].url
    codedeploy         = m.codedeploy
    # scripts/deploy.sh writes the digest here once the region's deployment has finished.
    deployed_digest_parameter = m.deployed_digest_parameter
  } }
}

output "recovery_objectives" {
  description = "RTO per failure (seconds) and RPO, derived from modules/settings (variable failover); README and docs/disaster-recovery.md quote them."
  value       = module.settings.recovery_objectives
}
