"""The way of a Test and everything that runs one: executor, stored runs, auth strategies, OAuth."""
