output "alb" {
  description = "The region's ALB: DNS name and hosted zone (Route 53 aliases), ARN suffix."
  value       = { dns_name = aws_lb.this.dns_name, zone_id = aws_lb.this.zone_id, arn = aws_lb.this.arn }
}

output "origin_host" {
  description = "The name CloudFront's origin group uses for this region: origin-<code>.<domain>, or the ALB's DNS name without a domain."
  value       = local.has_domain ? var.origin_host_names[0] : aws_lb.this.dns_name
}

output "static_bucket" {
  description = "The region's /pkg/* bucket: name, ARN and regional domain name."
  value       = { bucket = module.static.bucket, arn = module.static.arn, regional_domain_name = module.static.bucket_regional_domain_name }
}

output "kms_key_arn" {
  description = "The region's customer-managed key."
  value       = aws_kms_key.main.arn
}

output "route53_health_check_id" {
  description = "Health check of the region (null without route53_health_check)."
  value       = one(aws_route53_health_check.region[*].id)
}

output "ecs" {
  description = "Cluster and service names."
  value       = { cluster = aws_ecs_cluster.this.name, service = local.service.name }
}

output "log_group_name" {
  description = "The app's log group in this region."
  value       = aws_cloudwatch_log_group.app.name
}

output "dashboard_url" {
  description = "The region's golden-signals dashboard."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.golden_signals.dashboard_name}"
}

output "alarm_topic_arn" {
  description = "The region's alarm topic."
  value       = aws_sns_topic.alarms.arn
}

output "deployed_digest_parameter" {
  description = "The SSM record scripts/deploy.sh writes once this region's deployment has finished."
  value       = aws_ssm_parameter.deployed_digest.name
}

output "codedeploy" {
  description = "BLUE_GREEN: what scripts/deploy.sh needs to deploy this region's task definition through CodeDeploy (null for ROLLING)."
  value = local.is_blue_green ? {
    application         = aws_codedeploy_app.this[0].name
    deployment_group    = aws_codedeploy_deployment_group.this[0].deployment_group_name
    task_definition_arn = aws_ecs_task_definition.app.arn
    container_name      = local.container_name
    container_port      = local.container_port
    timeout_minutes     = local.settings.deployment_timeout_minutes
    test_listener_port  = local.test_listener_port
  } : null
}

# What a region must have to serve on its own; the plan tests compare the regions on it
# (tests/plan_prod.tftest.hcl) and assert no standby entry names the primary region.
output "inventory" {
  description = "ARN (or region-bearing name) of each piece a serving region needs: service, ALB, certificate, alarms, dashboard, logs, key, static bucket, image, release record."
  value = {
    ecs_service           = local.service.id
    alb                   = aws_lb.this.arn
    target_groups         = join(",", [for tg in aws_lb_target_group.app : tg.arn])
    origin_certificate    = one(aws_acm_certificate.origin[*].arn)
    alarm_topic           = aws_sns_topic.alarms.arn
    rollback_alarms       = join(",", [for a in concat([aws_cloudwatch_metric_alarm.alb_5xx_rate, aws_cloudwatch_metric_alarm.latency_p99], values(aws_cloudwatch_metric_alarm.unhealthy_hosts)) : a.arn])
    dashboard             = aws_cloudwatch_dashboard.golden_signals.dashboard_arn
    app_log_group         = aws_cloudwatch_log_group.app.arn
    kms_key               = aws_kms_key.main.arn
    image                 = var.ecr_repository.arn
    image_digest_record   = aws_ssm_parameter.image_digest.arn
    deployed_digest       = aws_ssm_parameter.deployed_digest.arn
    task_log_region       = "arn:logs:${jsondecode(aws_ecs_task_definition.app.container_definitions)[0].logConfiguration.options.awslogs-region}"
    task_image_repository = "arn:ecr:${split(".", jsondecode(aws_ecs_task_definition.app.container_definitions)[0].image)[3]}"
    codedeploy_group      = one(aws_codedeploy_deployment_group.this[*].arn)
  }
}
