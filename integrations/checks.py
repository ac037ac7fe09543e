"""System checks for the ConnectWise side (registered in IntegrationsConfig.ready)."""
