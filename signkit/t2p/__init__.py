"""Text (or gloss) to pose with a trained model: SignDiff's transformer (:mod:`signkit.t2p.model`)
and its data (:mod:`signkit.t2p.data`). The rule-based default lives in :mod:`signkit.lexicon`."""
