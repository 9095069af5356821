# What the edge alarms on, in us-east-1: each region's alarms and dashboard are in
# modules/region/observability.tf.

# WAF metrics for CLOUDFRONT scope exist only in us-east-1, and an alarm can only
# notify a topic in its own region: a second topic there.
resource "aws_sns_topic" "alarms_us_east_1" {
  provider          = aws.us_east_1
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.us_east_1.arn
}

resource "aws_sns_topic_subscription" "alarms_us_east_1_email" {
  provider  = aws.us_east_1
  topic_arn = aws_sns_topic.alarms_us_east_1.arn
  protocol  = "email"
  endpoint  = local.settings.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "waf_blocks" {
  provider            = aws.us_east_1
  alarm_name          = "${local.name}-waf-blocked-spike"
  alarm_description   = "WAF blocked requests far above the usual level (anomaly band) - attack or false positives"
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms_us_east_1.arn]
  ok_actions          = [aws_sns_topic.alarms_us_east_1.arn]

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(blocked, 3)"
    label       = "expected"
    return_data = true
  }
  metric_query {
    id          = "blocked"
    return_data = true
    metric {
      namespace   = "AWS/WAFV2"
      metric_name = "BlockedRequests"
      dimensions  = { WebACL = aws_wafv2_web_acl.this.name, Rule = "ALL" }
      period      = 60
      stat        = "Sum"
    }
  }
}
