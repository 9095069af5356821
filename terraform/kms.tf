# The us-east-1 key of the WAF log group and the WAF alarm's topic (WAF for CloudFront logs
# and alarms from us-east-1). Each region's own key is in modules/region/kms.tf.

module "key_policy_us_east_1" {
  source     = "./modules/key-policy"
  region     = "us-east-1"
  account_id = local.account_id
  partition  = local.partition
}

resource "aws_kms_key" "us_east_1" {
  provider                = aws.us_east_1
  description             = "${local.name}: WAF logs (us-east-1)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = module.key_policy_us_east_1.json
}
