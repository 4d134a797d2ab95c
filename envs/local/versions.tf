terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
  # Local state only: this root targets the embedded emulator, which forgets
  # everything when `make down` stops it.
}
