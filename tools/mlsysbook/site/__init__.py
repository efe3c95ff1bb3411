"""The book site: embedded Quarto-compatible renderer, site assembly, checker and static server."""
