"""Prompts of the diffusion renderer: the default, and the named styles of Stable Signer's
several outputs (``signkit render --preset``); ``--prompt`` gives any other."""

DEFAULT_PROMPT = "a person signing, photo"
STYLES = {
    "studio": "a sign language interpreter signing in front of a plain grey studio background, photo, sharp focus",
    "news": "a sign language interpreter beside a television news programme, broadcast studio, photo",
    "outdoor": "a person signing outdoors in a park, natural daylight, photo",
    "cartoon": "a cartoon illustration of a person signing, clean lines, flat colours",
    "sketch": "a pencil sketch of a person signing, black and white drawing",
}
