"""mnist-tui's domain engine: specs, rules, data, training, the run store and the answers.

Nothing here imports Textual; TensorFlow/Keras are imported only inside model/trainer code, lazily, so
that listing presets or parsing a spec stays instant.
"""

__version__ = "0.1.0"
