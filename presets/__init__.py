"""Built-in preset networks, one TOML file each; read by engine.presets (never imported as code)."""
