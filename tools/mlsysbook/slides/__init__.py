"""Lecture slides: Beamer decks in instructors/slides, built with latexmk, cloned per course."""
