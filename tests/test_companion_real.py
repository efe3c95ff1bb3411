"""The learning companion's data on the real site (issue #19): both volumes indexed, every paragraph anchor
present once in its page, every definition callout of the book found as a glossary term, and every
generated question well formed (an answer among its choices, calculation answers positive numbers)."""
from __future__ import annotations

import json
import math
import re

from repo_paths import REPO

DEFINITION = re.compile(r"^:{3,}\s*\{[^}\n]*\.definition[^}\n]*title=", re.M)


def check_companion(site) -> None:
    manifest = json.loads((site / "companion.json").read_text(encoding="utf-8"))
    assert [v["key"] for v in manifest["volumes"]] == ["vol1", "vol2"]
    for volume in manifest["volumes"]:
        data = json.loads((site / volume["url"]).read_text(encoding="utf-8"))
        for index, chapter in enumerate(data["chapters"]):
            page = (site / chapter["url"]).read_text(encoding="utf-8")
            anchors = [p["a"] for p in data["passages"] if p["c"] == index]
            assert anchors, f"{chapter['url']}: no passages"
            for anchor in anchors:
                assert page.count(f'id="{anchor}"') == 1, f"{chapter['url']}: anchor {anchor} missing or repeated"
        sources = sorted((REPO / "book" / volume["key"]).glob("*/*.qmd"))
        callouts = sum(len(DEFINITION.findall(p.read_text(encoding="utf-8"))) for p in sources
                       if p.parent.name == p.stem)
        assert len(data["terms"]) == callouts, f"{volume['key']}: {len(data['terms'])} terms for {callouts} definitions"
        assert all(t["definition"] and t["s"] for t in data["terms"])
        for q in data["questions"]:
            if q["type"] == "mcq":
                assert 0 <= q["answer"] < len(q["choices"]) and len(set(q["choices"])) == len(q["choices"]), q["id"]
            if q["origin"] == "calc":
                assert isinstance(q["answer"], float) and math.isfinite(q["answer"]) and q["answer"] > 0, q["id"]
        assert len({q["id"] for q in data["questions"]}) == len(data["questions"]), "question ids repeat"


def test_companion_data_of_the_real_site(real_site):
    check_companion(real_site)
    dashboard = (real_site / "progress.html").read_text(encoding="utf-8")  # filled in the browser from IndexedDB
    assert 'id="companion-dashboard"' in dashboard and "companion.js" in dashboard
