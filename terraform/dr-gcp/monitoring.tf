# The detector of a cloud loss, outside AWS: an uptime check of the public URL (whoever
# serves it), alerting the same e-mail as the AWS alarms when it fails (RTO: cloud loss
# starts here, modules/settings recovery_objectives).

resource "google_monitoring_notification_channel" "email" {
  display_name = "hn-reader ${terraform.workspace} alerts"
  type         = "email"
  labels = {
    email_address = local.settings.alarm_email
  }
}

resource "google_monitoring_uptime_check_config" "public" {
  display_name = "${local.name} public readiness"
  timeout      = "10s"
  period       = "${module.settings.failover.cloud_uptime_check_period}s"

  http_check {
    path         = local.health_check_path
    port         = 443
    use_ssl      = true
    validate_ssl = true
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = local.cloud.project_id
      host       = local.domain
    }
  }
}

resource "google_monitoring_alert_policy" "public_down" {
  display_name = "${local.name} public URL failing"
  combiner     = "OR"

  conditions {
    display_name = "Uptime check of https://${local.domain}${local.health_check_path} fails"
    condition_threshold {
      filter          = "metric.type=\"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type=\"uptime_url\" AND metric.label.check_id=\"${google_monitoring_uptime_check_config.public.uptime_check_id}\""
      duration        = "${module.settings.failover.cloud_uptime_check_period}s"
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      aggregations {
        alignment_period     = "${module.settings.failover.cloud_uptime_check_period}s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.*"]
      }
    }
  }

  notification_channels = [google_monitoring_notification_channel.email.id]

  documentation {
    content   = "The public URL fails from several locations. docs/disaster-recovery.md: region loss (wait for CloudFront/Route 53 failover), cloud loss (make failover-cloud)."
    mime_type = "text/markdown"
  }
}
