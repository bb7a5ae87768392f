"""Text to gloss: Stable Signer's SLUL model (:mod:`signkit.gloss.slul`)."""
