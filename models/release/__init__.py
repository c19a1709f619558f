"""SmartDJ's released weights: configuration mapping and importer."""
