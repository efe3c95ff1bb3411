"""The learning companion (issue #19): passages, glossary and questions built from the site, for companion.js."""
