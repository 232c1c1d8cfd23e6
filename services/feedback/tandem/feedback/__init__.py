"""The feedback service: session feedback, check-ins, surveys and the KPI read model."""
