"""What tests share: real local servers (the API stand-ins), factories, the curl oracle, keys."""
