"""Model components: UDiT and DiT backbones, Oobleck VAE, latent codecs, text encoder, CLAP."""
