terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Configured at init time from backend.hcl (see backend.hcl.example):
  #   terraform init -backend-config=backend.hcl
  # `use_lockfile = true` there uses S3's native lock file, no DynamoDB table.
  backend "s3" {}
}
