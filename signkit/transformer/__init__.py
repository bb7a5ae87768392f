"""Text (or gloss) to pose with a trained model: SignDiff's transformer (:mod:`signkit.transformer.model`)
and its data (:mod:`signkit.transformer.data`). The rule-based default lives in :mod:`signkit.lexicons`."""
