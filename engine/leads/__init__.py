"""Lead conversion: leak-free activity features, metrics, the sales pipeline and scoring answers."""
