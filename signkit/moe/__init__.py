"""SLP-MoE: Stable Signer's gloss-to-pose mixture of pose experts, and its pose prior database."""
