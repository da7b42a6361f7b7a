"""shinbun: a self-hostable digital edition for a Japanese-language newspaper."""
