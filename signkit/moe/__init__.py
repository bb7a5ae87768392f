"""SLP-MoE: Stable Signer's gloss-to-pose mixture of pose experts, and its pose prior database:
the database (:mod:`signkit.moe.database`), the network and its loss (:mod:`signkit.moe.network`),
inference (:mod:`signkit.moe.produce`) and training (:mod:`signkit.moe.training`)."""
