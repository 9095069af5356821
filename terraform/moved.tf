# Resources that changed address: these blocks make
# Terraform move the existing state entries instead of destroying and recreating them (a
# bucket must never be replaced). Keep them until every workspace (dev, int, prod) has
# applied this change. Data sources need no move: they are read again on every plan.
#
# The S3 buckets moved into modules/private-bucket (static.tf).

# ---- static ----

moved {
  from = aws_s3_bucket.static
  to   = module.static.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.static
  to   = module.static.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.static
  to   = module.static.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.static
  to   = module.static.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.static
  to   = module.static.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.static
  to   = module.static.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.static
  to   = module.static.aws_s3_bucket_policy.this
}

moved {
  from = aws_s3_bucket_logging.static
  to   = module.static.aws_s3_bucket_logging.this[0]
}

# ---- logs ----

moved {
  from = aws_s3_bucket.logs
  to   = module.logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.logs
  to   = module.logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.logs
  to   = module.logs.aws_s3_bucket_policy.this
}

# ---- cdn_logs ----

moved {
  from = aws_s3_bucket.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_policy.this
}

# ---- CPU and memory alarms: one for_each resource (observability.tf) ----

moved {
  from = aws_cloudwatch_metric_alarm.cpu_high
  to   = aws_cloudwatch_metric_alarm.utilization_high["cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.memory_high
  to   = aws_cloudwatch_metric_alarm.utilization_high["memory"]
}

# ---- ECS service: one resource per deployment controller (service.tf) ----

moved {
  from = aws_ecs_service.app
  to   = aws_ecs_service.rolling[0]
}

# ---- the regional stack moved into modules/region (issue 13): the existing region is
# module.primary. Whole module calls move with their resources; the chains above end there. ----

moved {
  from = aws_vpc.this
  to   = module.primary.aws_vpc.this
}

moved {
  from = aws_default_security_group.this
  to   = module.primary.aws_default_security_group.this
}

moved {
  from = aws_internet_gateway.this
  to   = module.primary.aws_internet_gateway.this
}

moved {
  from = aws_subnet.public
  to   = module.primary.aws_subnet.public
}

moved {
  from = aws_subnet.private
  to   = module.primary.aws_subnet.private
}

moved {
  from = aws_route_table.public
  to   = module.primary.aws_route_table.public
}

moved {
  from = aws_route.public_internet
  to   = module.primary.aws_route.public_internet
}

moved {
  from = aws_route_table_association.public
  to   = module.primary.aws_route_table_association.public
}

moved {
  from = aws_eip.nat
  to   = module.primary.aws_eip.nat
}

moved {
  from = aws_nat_gateway.this
  to   = module.primary.aws_nat_gateway.this
}

moved {
  from = aws_route_table.private
  to   = module.primary.aws_route_table.private
}

moved {
  from = aws_route.private_nat
  to   = module.primary.aws_route.private_nat
}

moved {
  from = aws_route_table_association.private
  to   = module.primary.aws_route_table_association.private
}

moved {
  from = aws_security_group.endpoints
  to   = module.primary.aws_security_group.endpoints
}

moved {
  from = aws_vpc_security_group_ingress_rule.endpoints_https
  to   = module.primary.aws_vpc_security_group_ingress_rule.endpoints_https
}

moved {
  from = aws_vpc_endpoint.interface
  to   = module.primary.aws_vpc_endpoint.interface
}

moved {
  from = aws_vpc_endpoint.s3
  to   = module.primary.aws_vpc_endpoint.s3
}

moved {
  from = aws_cloudwatch_log_group.flow_logs
  to   = module.primary.aws_cloudwatch_log_group.flow_logs
}

moved {
  from = aws_flow_log.vpc
  to   = module.primary.aws_flow_log.vpc
}

moved {
  from = aws_security_group.alb
  to   = module.primary.aws_security_group.alb
}

moved {
  from = aws_vpc_security_group_ingress_rule.alb_from_cloudfront
  to   = module.primary.aws_vpc_security_group_ingress_rule.alb_from_cloudfront
}

moved {
  from = aws_vpc_security_group_egress_rule.alb_to_tasks
  to   = module.primary.aws_vpc_security_group_egress_rule.alb_to_tasks
}

moved {
  from = aws_lb.this
  to   = module.primary.aws_lb.this
}

moved {
  from = aws_lb_target_group.app
  to   = module.primary.aws_lb_target_group.app
}

moved {
  from = aws_acm_certificate.origin
  to   = module.primary.aws_acm_certificate.origin
}

moved {
  from = aws_route53_record.origin_validation
  to   = module.primary.aws_route53_record.origin_validation
}

moved {
  from = aws_acm_certificate_validation.origin
  to   = module.primary.aws_acm_certificate_validation.origin
}

moved {
  from = aws_route53_record.origin
  to   = module.primary.aws_route53_record.origin
}

moved {
  from = aws_lb_listener.https
  to   = module.primary.aws_lb_listener.https
}

moved {
  from = aws_lb_listener.http
  to   = module.primary.aws_lb_listener.http
}

moved {
  from = aws_lb_listener_rule.app
  to   = module.primary.aws_lb_listener_rule.app
}

moved {
  from = aws_lb_listener.test
  to   = module.primary.aws_lb_listener.test
}

moved {
  from = aws_lb_listener_rule.test
  to   = module.primary.aws_lb_listener_rule.test
}

moved {
  from = aws_ecs_cluster.this
  to   = module.primary.aws_ecs_cluster.this
}

moved {
  from = aws_ecs_cluster_capacity_providers.this
  to   = module.primary.aws_ecs_cluster_capacity_providers.this
}

moved {
  from = aws_cloudwatch_log_group.app
  to   = module.primary.aws_cloudwatch_log_group.app
}

moved {
  from = aws_security_group.service
  to   = module.primary.aws_security_group.service
}

moved {
  from = aws_vpc_security_group_ingress_rule.service_from_alb
  to   = module.primary.aws_vpc_security_group_ingress_rule.service_from_alb
}

moved {
  from = aws_vpc_security_group_egress_rule.service_https
  to   = module.primary.aws_vpc_security_group_egress_rule.service_https
}

moved {
  from = aws_ecs_task_definition.app
  to   = module.primary.aws_ecs_task_definition.app
}

moved {
  from = aws_ecs_service.rolling
  to   = module.primary.aws_ecs_service.rolling
}

moved {
  from = aws_ecs_service.blue_green
  to   = module.primary.aws_ecs_service.blue_green
}

moved {
  from = aws_appautoscaling_target.app
  to   = module.primary.aws_appautoscaling_target.app
}

moved {
  from = aws_appautoscaling_policy.cpu
  to   = module.primary.aws_appautoscaling_policy.cpu
}

moved {
  from = aws_appautoscaling_policy.requests
  to   = module.primary.aws_appautoscaling_policy.requests
}

moved {
  from = aws_codedeploy_app.this
  to   = module.primary.aws_codedeploy_app.this
}

moved {
  from = aws_codedeploy_deployment_group.this
  to   = module.primary.aws_codedeploy_deployment_group.this
}

moved {
  from = aws_iam_role.execution
  to   = module.primary.aws_iam_role.execution
}

moved {
  from = aws_iam_role_policy.execution
  to   = module.primary.aws_iam_role_policy.execution
}

moved {
  from = aws_iam_role.task
  to   = module.primary.aws_iam_role.task
}

moved {
  from = aws_iam_role.codedeploy
  to   = module.primary.aws_iam_role.codedeploy
}

moved {
  from = aws_iam_role_policy.codedeploy
  to   = module.primary.aws_iam_role_policy.codedeploy
}

moved {
  from = aws_iam_role.flow_logs
  to   = module.primary.aws_iam_role.flow_logs
}

moved {
  from = aws_iam_role_policy.flow_logs
  to   = module.primary.aws_iam_role_policy.flow_logs
}

moved {
  from = aws_kms_key.main
  to   = module.primary.aws_kms_key.main
}

moved {
  from = aws_kms_alias.main
  to   = module.primary.aws_kms_alias.main
}

moved {
  from = module.static
  to   = module.primary.module.static
}

moved {
  from = module.logs
  to   = module.primary.module.logs
}

moved {
  from = aws_sns_topic.alarms
  to   = module.primary.aws_sns_topic.alarms
}

moved {
  from = aws_sns_topic_subscription.alarms_email
  to   = module.primary.aws_sns_topic_subscription.alarms_email
}

moved {
  from = aws_cloudwatch_log_metric_filter.errors
  to   = module.primary.aws_cloudwatch_log_metric_filter.errors
}

moved {
  from = aws_cloudwatch_log_metric_filter.requests
  to   = module.primary.aws_cloudwatch_log_metric_filter.requests
}

moved {
  from = aws_cloudwatch_log_metric_filter.responses_5xx
  to   = module.primary.aws_cloudwatch_log_metric_filter.responses_5xx
}

moved {
  from = aws_cloudwatch_metric_alarm.alb_5xx_rate
  to   = module.primary.aws_cloudwatch_metric_alarm.alb_5xx_rate
}

moved {
  from = aws_cloudwatch_metric_alarm.latency_p99
  to   = module.primary.aws_cloudwatch_metric_alarm.latency_p99
}

moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_hosts
  to   = module.primary.aws_cloudwatch_metric_alarm.unhealthy_hosts
}

moved {
  from = aws_cloudwatch_metric_alarm.running_below_desired
  to   = module.primary.aws_cloudwatch_metric_alarm.running_below_desired
}

moved {
  from = aws_cloudwatch_metric_alarm.utilization_high
  to   = module.primary.aws_cloudwatch_metric_alarm.utilization_high
}

moved {
  from = aws_cloudwatch_metric_alarm.log_errors
  to   = module.primary.aws_cloudwatch_metric_alarm.log_errors
}

moved {
  from = aws_cloudwatch_dashboard.golden_signals
  to   = module.primary.aws_cloudwatch_dashboard.golden_signals
}

moved {
  from = aws_ssm_parameter.image_digest
  to   = module.primary.aws_ssm_parameter.image_digest
}
