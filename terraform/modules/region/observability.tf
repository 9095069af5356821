# Alarms -> SNS (KMS) -> e-mail; golden-signals dashboard; metric filters on the app's
# JSON logs ({"timestamp","level","message","target","request_id", access lines:
# message="request", method, route, status, latency_ms}).
#
# Metrics endpoint: the app serves Prometheus metrics on METRICS_ADDR=127.0.0.1:9100,
# a loopback-only listener inside the task that is never behind the ALB. To collect
# them, add an ADOT collector (or CloudWatch agent) sidecar to the task definition that
# scrapes 127.0.0.1:9100 and ships to CloudWatch/AMP; not deployed by default.

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alarms_email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = local.settings.alarm_email
}

locals {
  alb_dim     = { LoadBalancer = aws_lb.this.arn_suffix }
  ecs_dim     = { ClusterName = aws_ecs_cluster.this.name, ServiceName = local.service.name }
  metric_ns   = "hn-reader/${local.env}"
  alarm_topic = [aws_sns_topic.alarms.arn]

  # Alarms that roll a deployment back (ECS rolling and CodeDeploy alike): the user-facing
  # signals of the load balancer, covering both target groups. Each has data without a
  # deployment (missing data is not breaching), so none blocks a deployment from starting.
  rollback_alarm_names = concat(
    [aws_cloudwatch_metric_alarm.alb_5xx_rate.alarm_name, aws_cloudwatch_metric_alarm.latency_p99.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.unhealthy_hosts : a.alarm_name],
  )
}

# ---- metric filters on the app's JSON logs ----

resource "aws_cloudwatch_log_metric_filter" "errors" {
  name           = "${local.name}-log-errors"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{ $.level = \"ERROR\" }"
  metric_transformation {
    name          = "LogErrors"
    namespace     = local.metric_ns
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "requests" {
  name           = "${local.name}-requests"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{ $.message = \"request\" }"
  metric_transformation {
    name          = "Requests"
    namespace     = local.metric_ns
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_log_metric_filter" "responses_5xx" {
  name           = "${local.name}-responses-5xx"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{ $.message = \"request\" && $.status >= 500 }"
  metric_transformation {
    name          = "Responses5xx"
    namespace     = local.metric_ns
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# ---- alarms ----

resource "aws_cloudwatch_metric_alarm" "alb_5xx_rate" {
  alarm_name          = "${local.name}-alb-5xx-rate"
  alarm_description   = "More than 5% of ALB responses are 5xx (target + ELB) for 3 of 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic

  metric_query {
    id          = "rate"
    expression  = "100 * (FILL(t5xx, 0) + FILL(e5xx, 0)) / MAX([FILL(req, 0), 1])"
    label       = "5xx %"
    return_data = true
  }
  metric_query {
    id = "t5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = local.alb_dim
      period      = 60
      stat        = "Sum"
    }
  }
  metric_query {
    id = "e5xx"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = local.alb_dim
      period      = 60
      stat        = "Sum"
    }
  }
  metric_query {
    id = "req"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = local.alb_dim
      period      = 60
      stat        = "Sum"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency_p99" {
  alarm_name          = "${local.name}-target-p99-latency"
  alarm_description   = "Target response time p99 above 1.5 s for 5 minutes"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = local.alb_dim
  extended_statistic  = "p99"
  period              = 60
  evaluation_periods  = 5
  threshold           = 1.5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each            = aws_lb_target_group.app
  alarm_name          = "${local.name}-unhealthy-hosts-${each.key}"
  alarm_description   = "Unhealthy targets in the ${each.key} target group"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = each.value.arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic
}

resource "aws_cloudwatch_metric_alarm" "running_below_desired" {
  alarm_name          = "${local.name}-running-below-desired"
  alarm_description   = "Fewer running tasks than desired for 5 minutes (Container Insights)"
  comparison_operator = "LessThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic

  metric_query {
    id          = "gap"
    expression  = "running - desired"
    label       = "running - desired"
    return_data = true
  }
  metric_query {
    id = "running"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = local.ecs_dim
      period      = 60
      stat        = "Minimum"
    }
  }
  metric_query {
    id = "desired"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = local.ecs_dim
      period      = 60
      stat        = "Maximum"
    }
  }
}

# Service CPU and memory: the same alarm on two AWS/ECS metrics.
resource "aws_cloudwatch_metric_alarm" "utilization_high" {
  for_each = {
    cpu    = { metric = "CPUUtilization", description = "Service CPU above 85% for 10 minutes (autoscaling at max?)" }
    memory = { metric = "MemoryUtilization", description = "Service memory above 85% for 10 minutes (cache too large? leak?)" }
  }
  alarm_name          = "${local.name}-${each.key}-high"
  alarm_description   = each.value.description
  namespace           = "AWS/ECS"
  metric_name         = each.value.metric
  dimensions          = local.ecs_dim
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  threshold           = 85
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic
}

resource "aws_cloudwatch_metric_alarm" "log_errors" {
  alarm_name          = "${local.name}-log-error-rate"
  alarm_description   = "More than 1% of requests log an ERROR line for 5 minutes"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1
  evaluation_periods  = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic

  metric_query {
    id          = "rate"
    expression  = "100 * errors / MAX([requests, 1])"
    label       = "ERROR log lines per 100 requests"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = local.metric_ns
      metric_name = "LogErrors"
      period      = 60
      stat        = "Sum"
    }
  }
  metric_query {
    id = "requests"
    metric {
      namespace   = local.metric_ns
      metric_name = "Requests"
      period      = 60
      stat        = "Sum"
    }
  }
}

# ---- dashboard: latency, traffic, errors, saturation ----

resource "aws_cloudwatch_dashboard" "golden_signals" {
  dashboard_name = "${local.name}-golden-signals"
  dashboard_body = jsonencode({
    widgets = concat([
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "Latency (target response time)", region = local.region, view = "timeSeries", period = 60
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", aws_lb.this.arn_suffix, { stat = "p50" }],
            ["...", { stat = "p90" }],
            ["...", { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Traffic (requests/min)", region = local.region, view = "timeSeries", period = 60, stat = "Sum"
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", aws_lb.this.arn_suffix],
            [local.metric_ns, "Requests"],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title = "Errors", region = local.region, view = "timeSeries", period = 60, stat = "Sum"
          metrics = [
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", aws_lb.this.arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", aws_lb.this.arn_suffix],
            [local.metric_ns, "Responses5xx"],
            [local.metric_ns, "LogErrors"],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Saturation (CPU, memory, tasks)", region = local.region, view = "timeSeries", period = 60
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", local.service.name, { stat = "Average" }],
            ["AWS/ECS", "MemoryUtilization", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", local.service.name, { stat = "Average" }],
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", aws_ecs_cluster.this.name, "ServiceName", local.service.name, { stat = "Minimum", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 24, height = 6
        properties = {
          title = "WAF (us-east-1)", region = "us-east-1", view = "timeSeries", period = 60, stat = "Sum"
          metrics = [
            ["AWS/WAFV2", "AllowedRequests", "WebACL", var.web_acl_name, "Rule", "ALL"],
            ["AWS/WAFV2", "BlockedRequests", "WebACL", var.web_acl_name, "Rule", "ALL"],
          ]
        }
      },
      {
        # The pipeline puts the run number of each region's finished deployment
        # (scripts/deploy.sh): a line below the others is a region that lags.
        type = "metric", x = 0, y = 18, width = 12, height = 6
        properties = {
          title   = "Release per region (GitHub run of the last finished deployment)", view = "timeSeries", region = local.region, period = 3600, stat = "Maximum"
          metrics = [for r in var.release_regions : [local.metric_ns, "ReleaseRun", "Region", r, { region = r, label = r }]]
        }
      },
      ], [for c in aws_route53_health_check.region : {
        type = "metric", x = 12, y = 18, width = 12, height = 6
        properties = {
          title   = "Route 53 health check of this region (1: healthy)", view = "timeSeries", region = "us-east-1", period = 60, stat = "Minimum"
          metrics = [["AWS/Route53", "HealthCheckStatus", "HealthCheckId", c.id]]
        }
    }])
  })
}
