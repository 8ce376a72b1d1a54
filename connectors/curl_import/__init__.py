"""Import cURL's engine: plan what a pasted command makes, then create it all."""
