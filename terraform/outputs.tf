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

output "alb_dns_name" {
  description = "ALB DNS name (only CloudFront can reach it)."
  value       = aws_lb.this.dns_name
}

output "ecr_repository_url" {
  description = "ECR repository in the tooling account that tasks pull from."
  value       = local.tooling.ecr_repository_url
}

output "image_digest" {
  description = "The image digest this workspace runs."
  value       = local.image_digest
}

output "static_bucket" {
  description = "S3 bucket for /pkg/* (the pipeline syncs target/site/pkg here, without --delete)."
  value       = module.static.bucket
}

output "ecs_cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "ecs_service_name" {
  description = "ECS service name."
  value       = local.service.name
}

output "log_group_name" {
  description = "CloudWatch log group of the app."
  value       = aws_cloudwatch_log_group.app.name
}

output "dashboard_url" {
  description = "CloudWatch golden-signals dashboard."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.golden_signals.dashboard_name}"
}

output "alarm_topic_arn" {
  description = "SNS topic for alarms (primary region)."
  value       = aws_sns_topic.alarms.arn
}

output "deploy_role_arn" {
  description = "Role the aws provider assumes in this workspace's account (the pipeline assumes it to sync /pkg assets)."
  value       = local.settings.deploy_role_arn
}

output "workspace_settings" {
  description = "The settings this workspace was applied with (from modules/settings)."
  value       = local.settings
}

output "codedeploy" {
  description = "BLUE_GREEN workspaces: what scripts/deploy.sh needs to deploy the task definition this apply registered through CodeDeploy (null for ROLLING, where the apply itself deploys)."
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
