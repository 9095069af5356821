output "addresses" {
  description = "The load balancer's IPv4 and IPv6 addresses: what make failover-cloud writes into the public A and AAAA records."
  value       = { for k, a in google_compute_global_address.public : k => a.address }
}

output "dns_authorization_record" {
  description = "The CNAME that lets Certificate Manager issue the public domain's certificate before any failover (scripts/failover-cloud.sh prepare writes it into Route 53)."
  value       = one(google_certificate_manager_dns_authorization.domain.dns_resource_record)
}

output "image_repository" {
  description = "Artifact Registry repository the pipeline mirrors the image into (scripts/mirror-image.sh)."
  value       = local.image_repository
}

output "service_name" {
  description = "The Cloud Run service."
  value       = google_cloud_run_v2_service.app.name
}
