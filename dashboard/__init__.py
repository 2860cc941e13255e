"""The agency's dashboard (Streamlit): region overview, hospital drill-down, MDC indicators and data
quality, read from the warehouse marts through read-only DuckDB connections. `make dashboard`."""
