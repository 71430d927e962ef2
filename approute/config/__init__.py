"""approute.config.py: settings, headers/redirects/rewrites rules."""
