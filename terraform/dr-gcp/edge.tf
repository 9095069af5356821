# Global external HTTPS load balancer in front of Cloud Run: Cloud Armor (per-IP rate limit
# and preconfigured WAF rules, as the AWS web ACL), a Certificate Manager certificate for the
# public domain that is issued before any failover (DNS authorization: a CNAME that
# scripts/failover-cloud.sh prepare writes into the Route 53 zone), HTTP only redirects.

resource "google_compute_region_network_endpoint_group" "app" {
  name                  = local.name
  region                = local.cloud.region
  network_endpoint_type = "SERVERLESS"
  cloud_run {
    service = google_cloud_run_v2_service.app.name
  }
}

resource "google_compute_security_policy" "edge" {
  name        = local.name
  description = "hn-reader ${terraform.workspace}: per-IP rate limit and OWASP rules (the AWS web ACL's counterpart)"

  rule {
    action   = "rate_based_ban"
    priority = 100
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    rate_limit_options {
      conform_action   = "allow"
      exceed_action    = "deny(429)"
      enforce_on_key   = "IP"
      ban_duration_sec = 300
      rate_limit_threshold {
        count        = local.settings.waf_rate_limit
        interval_sec = 300
      }
    }
    description = "Per-IP limit of the settings' waf_rate_limit per 5 minutes"
  }

  # Log4Shell (CVE-2021-44228) and similar: Google's cve-canary rule set.
  rule {
    action   = "deny(403)"
    priority = 150
    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
    description = "Preconfigured WAF rules cve-canary (Log4j)"
  }

  dynamic "rule" {
    for_each = { 200 = "sqli-v33-stable", 201 = "xss-v33-stable" }
    content {
      action   = "deny(403)"
      priority = rule.key
      match {
        expr {
          expression = "evaluatePreconfiguredWaf('${rule.value}')"
        }
      }
      description = "Preconfigured WAF rules ${rule.value}"
    }
  }

  rule {
    action   = "allow"
    priority = 2147483647
    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
    description = "Default: allow"
  }
}

resource "google_compute_backend_service" "app" {
  name                  = local.name
  protocol              = "HTTPS"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  security_policy       = google_compute_security_policy.edge.id

  backend {
    group = google_compute_region_network_endpoint_group.app.id
  }

  log_config {
    enable      = true
    sample_rate = 1
  }
}

resource "google_compute_url_map" "https" {
  name            = local.name
  default_service = google_compute_backend_service.app.id
}

resource "google_compute_url_map" "http_redirect" {
  name = "${local.name}-redirect"
  default_url_redirect {
    https_redirect         = true
    strip_query            = false
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
  }
}

resource "google_certificate_manager_dns_authorization" "domain" {
  name   = local.name
  domain = local.domain
}

resource "google_certificate_manager_certificate" "domain" {
  name = local.name
  managed {
    domains            = [local.domain]
    dns_authorizations = [google_certificate_manager_dns_authorization.domain.id]
  }
}

resource "google_certificate_manager_certificate_map" "domain" {
  name = local.name
}

resource "google_certificate_manager_certificate_map_entry" "domain" {
  name         = local.name
  map          = google_certificate_manager_certificate_map.domain.name
  certificates = [google_certificate_manager_certificate.domain.id]
  hostname     = local.domain
}

resource "google_compute_ssl_policy" "modern" {
  name            = local.name
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "app" {
  name            = local.name
  url_map         = google_compute_url_map.https.id
  certificate_map = "//certificatemanager.googleapis.com/${google_certificate_manager_certificate_map.domain.id}"
  ssl_policy      = google_compute_ssl_policy.modern.id
}

resource "google_compute_target_http_proxy" "redirect" {
  name    = "${local.name}-redirect"
  url_map = google_compute_url_map.http_redirect.id
}

resource "google_compute_global_address" "public" {
  for_each   = toset(["IPV4", "IPV6"])
  name       = "${local.name}-${lower(each.key)}"
  ip_version = each.key
}

locals {
  # Each address answers HTTPS, and HTTP with a redirect.
  forwarding_rules = merge([for ip in keys(google_compute_global_address.public) : {
    "${lower(ip)}-https" = { ip = ip, port = "443", target = google_compute_target_https_proxy.app.id }
    "${lower(ip)}-http"  = { ip = ip, port = "80", target = google_compute_target_http_proxy.redirect.id }
  }]...)
}

resource "google_compute_global_forwarding_rule" "public" {
  for_each              = local.forwarding_rules
  name                  = "${local.name}-${each.key}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.public[each.value.ip].id
  port_range            = each.value.port
  target                = each.value.target
}
