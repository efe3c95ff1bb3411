"""The lab catalog ``labs/labs.yml``: lab id -> title, volume, chapter, goal."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

# labs/labs.yml in the repository; an installed wheel (the browser labs) carries it inside the package
_PACKAGED = Path(__file__).resolve().parent / "labs.yml"
CATALOG_PATH = _PACKAGED if _PACKAGED.is_file() else Path(__file__).resolve().parent.parent / "labs.yml"
REQUIRED_FIELDS = ("title", "volume", "chapter", "chapter_title", "goal")


@dataclass(frozen=True)
class LabInfo:
    lab_id: str
    title: str
    volume: str
    chapter: str
    chapter_title: str
    goal: str

    @property
    def chapter_href(self) -> str:
        """Relative site link from ``_site/labs/<lab>.html`` to the chapter page."""
        return f"../{self.volume}/{self.chapter}/{self.chapter}.html"

    @property
    def lab_href_from_chapter(self) -> str:
        """Relative site link from ``_site/<vol>/<slug>/<slug>.html`` to this lab."""
        return f"../../labs/{self.lab_id}.html"


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> dict[str, LabInfo]:
    """Parse labs.yml; a malformed entry raises ValueError naming the lab and the missing field."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("labs"), dict):
        raise ValueError(f"{path}: expected a mapping with a 'labs:' mapping of lab id -> fields")
    catalog: dict[str, LabInfo] = {}
    for lab_id, fields in raw["labs"].items():
        missing = [f for f in REQUIRED_FIELDS if not (isinstance(fields, dict) and fields.get(f))]
        if missing:
            raise ValueError(f"{path}: lab {lab_id!r} lacks {', '.join(missing)}; add them to its entry")
        if fields["volume"] not in ("vol1", "vol2"):
            raise ValueError(f"{path}: lab {lab_id!r} has volume {fields['volume']!r}; use vol1 or vol2")
        catalog[lab_id] = LabInfo(lab_id=lab_id, **{f: str(fields[f]).strip() for f in REQUIRED_FIELDS})
    return catalog


def lab_info(lab_id: str) -> LabInfo:
    catalog = load_catalog()
    if lab_id not in catalog:
        raise KeyError(f"lab {lab_id!r} is not in {CATALOG_PATH.name}; known labs: {', '.join(sorted(catalog))}")
    return catalog[lab_id]
