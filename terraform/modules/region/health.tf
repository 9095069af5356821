# The region's health as Route 53 sees it, for the failover record of POST server functions
# (root failover.tf). Route 53's own checkers cannot reach the ALB (only CloudFront's
# addresses may, with the secret header), so the checks follow CloudWatch alarms: a region
# is healthy while one of its target groups (blue or green, whichever is live) has a healthy
# target. No data (the region's ALB or CloudWatch gone) counts as unhealthy.

resource "aws_cloudwatch_metric_alarm" "no_healthy_target" {
  for_each            = var.route53_health_check ? aws_lb_target_group.app : {}
  alarm_name          = "${local.name}-no-healthy-target-${each.key}"
  alarm_description   = "No healthy target in the ${each.key} target group (Route 53 health of the region; the idle group is always in ALARM, so no notification)"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = each.value.arn_suffix }
  statistic           = "Minimum"
  period              = var.health_alarm.period
  evaluation_periods  = var.health_alarm.periods
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
}

resource "aws_route53_health_check" "target_group" {
  for_each                        = aws_cloudwatch_metric_alarm.no_healthy_target
  type                            = "CLOUDWATCH_METRIC"
  cloudwatch_alarm_name           = each.value.alarm_name
  cloudwatch_alarm_region         = local.region
  insufficient_data_health_status = "Unhealthy"
  tags                            = { Name = "${local.name}-${each.key}" }
}

resource "aws_route53_health_check" "region" {
  count                  = var.route53_health_check ? 1 : 0
  type                   = "CALCULATED"
  child_health_threshold = 1
  child_healthchecks     = [for c in aws_route53_health_check.target_group : c.id]
  tags                   = { Name = local.name }
}
