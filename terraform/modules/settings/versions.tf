# Provider-less on purpose: `terraform init` and `terraform test` run offline here.
terraform {
  required_version = ">= 1.10.0"
}
