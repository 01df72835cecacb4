"""Keys: Ed25519 key material, key files (encrypted private, PEM public) and keyrings."""
