"""Services: what one measure, a meeting, "since" and a story mean, over the store.

Layer 3: imports the engine, vocabulary, text and store; never rendering or the shells.
"""
