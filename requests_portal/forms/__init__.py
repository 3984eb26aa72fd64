"""Forms: they clean input only; views hand the cleaned data to services and selectors."""
