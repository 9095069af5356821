# Application Load Balancer: reachable only from CloudFront (origin-facing prefix list on
# the security group + a secret origin header checked by a listener rule, 403 otherwise).

data "aws_ec2_managed_prefix_list" "cloudfront_origin_facing" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

locals {
  # With a domain, CloudFront talks HTTPS to origin.<domain> (ACM cert on the ALB).
  # Without one (dev only, enforced by the settings module) there is no certificate to
  # put on the ALB, so CloudFront uses HTTP to the ALB's DNS name; the prefix list and
  # the secret header still apply. The prefix list weighs ~55 SG rules, so only the
  # one origin port is opened.
  origin_port     = local.has_domain ? 443 : 80
  origin_protocol = local.has_domain ? "https-only" : "http-only"
}

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "ALB: ingress only from CloudFront origin-facing IPs, egress only to the tasks"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${local.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_cloudfront" {
  security_group_id = aws_security_group.alb.id
  description       = "CloudFront origin-facing"
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront_origin_facing.id
  ip_protocol       = "tcp"
  from_port         = local.origin_port
  to_port           = local.origin_port
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the app tasks"
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150: Deletion protection is a per-workspace setting: on in int and prod (modules/settings requires it for prod), off in dev so that dev can be torn down.
  #checkov:skip=CKV2_AWS_20: The HTTP listener redirects to HTTPS whenever the workspace has a domain (int and prod must); dev has no domain, so no certificate for the ALB (see the http listener).
  #checkov:skip=CKV2_AWS_28: The WAF web ACL is on CloudFront (CLOUDFRONT scope); the ALB accepts only CloudFront origin-facing IPs carrying the secret header, so every request has passed the web ACL.
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = local.settings.deletion_protection
  idle_timeout               = 60

  access_logs {
    enabled = true
    bucket  = module.logs.log_target.id
    prefix  = "alb"
  }

  connection_logs {
    enabled = true
    bucket  = module.logs.log_target.id
    prefix  = "alb-connections"
  }
}

# Blue and green target groups: CodeDeploy alternates between them (BLUE_GREEN); the
# rolling service (dev) only uses "blue".
resource "aws_lb_target_group" "app" {
  #checkov:skip=CKV_AWS_378: TLS ends at the ALB; ALB -> task is plain HTTP inside the VPC (private subnets, SG allows only the ALB) because the distroless app serves HTTP on 8080 and has no certificate.
  for_each             = toset(["blue", "green"])
  name                 = "${local.name}-${each.key}"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.this.id
  deregistration_delay = 15

  health_check {
    enabled             = true
    path                = "/readyz"
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 5
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# ---- certificates (only when the workspace has a domain) ----

# This region's own origin name, and the failover name both regions' ALBs answer to.
resource "aws_acm_certificate" "origin" {
  count                     = local.has_domain ? 1 : 0
  domain_name               = var.origin_host_names[0]
  subject_alternative_names = slice(var.origin_host_names, 1, length(var.origin_host_names))
  validation_method         = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "origin_validation" {
  for_each = local.has_domain ? {
    for o in aws_acm_certificate.origin[0].domain_validation_options : o.domain_name => o
  } : {}
  zone_id         = local.settings.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "origin" {
  count                   = local.has_domain ? 1 : 0
  certificate_arn         = aws_acm_certificate.origin[0].arn
  validation_record_fqdns = [for r in aws_route53_record.origin_validation : r.fqdn]

  # Well below the deploy job's 60 minutes (tools/terraform/timeouts_check.py): a job killed
  # while waiting would leave the state locked. Validation in a delegated zone takes minutes.
  timeouts {
    create = "20m"
  }
}

# The region's origin name, which CloudFront's origin group uses for GET requests.
resource "aws_route53_record" "origin" {
  count   = local.has_domain ? 1 : 0
  zone_id = local.settings.hosted_zone_id
  name    = var.origin_host_names[0]
  type    = "A"
  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = false
  }
}

# ---- listeners ----

resource "aws_lb_listener" "https" {
  count             = local.has_domain ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.origin[0].certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2: HTTP listener: with a domain it only redirects to HTTPS; without one (dev only, enforced by modules/settings) it is the CloudFront-only origin behind the prefix list and secret header, and viewers still get HTTPS at CloudFront.
  #checkov:skip=CKV_AWS_103: Same listener: TLS policy applies to the HTTPS listener; this one never serves traffic over TLS.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = local.has_domain ? "redirect" : "fixed-response"

    dynamic "redirect" {
      for_each = local.has_domain ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    dynamic "fixed_response" {
      for_each = local.has_domain ? [] : [1]
      content {
        content_type = "text/plain"
        message_body = "Forbidden"
        status_code  = "403"
      }
    }
  }
}

# The production listener rule: forwards only requests that carry the secret header
# CloudFront adds. A deployment moves its forward action between the target groups (the ECS
# rolling service keeps it on blue; CodeDeploy alternates and weights it), hence
# ignore_changes on action.
resource "aws_lb_listener_rule" "app" {
  listener_arn = local.deployment_listeners.production.arn
  priority     = 10

  condition {
    http_header {
      http_header_name = var.origin_header.name
      values           = [local.origin_secret]
    }
  }

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.app["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.app["green"].arn
        weight = 0
      }
    }
  }

  lifecycle {
    ignore_changes = [action]
  }
}

# ---- test listener (BLUE_GREEN): CodeDeploy points it at the replacement task set before
# any production traffic moves. No security group rule opens its port: only what runs
# inside the VPC (a validation hook) can reach it, with the secret header. ----

resource "aws_lb_listener" "test" {
  #checkov:skip=CKV_AWS_2: Without a domain there is no certificate for the ALB (dev only, see the http listener); with one this listener is HTTPS.
  #checkov:skip=CKV_AWS_103: Same listener: HTTP only without a domain; with one it has the HTTPS listener's TLS 1.3 policy.
  count             = local.is_blue_green ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = local.test_listener_port
  protocol          = local.has_domain ? "HTTPS" : "HTTP"
  ssl_policy        = local.has_domain ? "ELBSecurityPolicy-TLS13-1-2-2021-06" : null
  certificate_arn   = local.has_domain ? aws_acm_certificate_validation.origin[0].certificate_arn : null

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }
}

resource "aws_lb_listener_rule" "test" {
  count        = local.is_blue_green ? 1 : 0
  listener_arn = aws_lb_listener.test[0].arn
  priority     = 10

  condition {
    http_header {
      http_header_name = var.origin_header.name
      values           = [local.origin_secret]
    }
  }

  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.app["blue"].arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.app["green"].arn
        weight = 0
      }
    }
  }

  lifecycle {
    ignore_changes = [action]
  }
}

locals {
  test_listener_port = local.has_domain ? 8443 : 8080
  # The listeners whose rules a deployment moves (CodeDeploy's traffic routes).
  deployment_listeners = merge(
    { production = local.has_domain ? aws_lb_listener.https[0] : aws_lb_listener.http },
    local.is_blue_green ? { test = aws_lb_listener.test[0] } : {},
  )
}
