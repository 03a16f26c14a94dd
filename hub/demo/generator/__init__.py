"""The demo district generator: department sources about one synthetic district, with ground truth.

``generate_district(out_dir, persons, seed)`` builds the district (streets → communities → grids →
buildings → rooms, grid workers, residents in households, outsiders, companies, licences, rentals)
and writes what each department system would hold about it, each in its own format and with its
own errors, plus ``truth.csv`` (the true entity behind every mention) and ``noise.csv`` (every
defect put in on purpose); ``tasks_truth.csv``, every case of the task rules (a few planted in any
district, plant.py); and ``events.jsonl``, residents' complaints, with ``events_truth.csv``. The
same seed gives byte-identical files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hub.demo.generator.build import build_world
from hub.demo.generator.files import CsvSink, DemoFile
from hub.demo.generator.noise import NoiseLog
from hub.demo.generator.scale import DEFAULT_AS_OF
from hub.demo.generator.styles import STANDARD, STYLES, writing_style
from hub.demo.generator.task_truth import write_task_truth
from hub.demo.generator.truth import COLUMNS as TRUTH_COLUMNS
from hub.demo.generator.truth import Truth
from hub.demo.generator.world import World
from hub.demo.generator.write_business import write_business_registry, write_licences
from hub.demo.generator.write_events import EVENTS, write_events
from hub.demo.generator.write_newborns import write_newborns
from hub.demo.generator.write_people import write_grid_collection, write_population
from hub.demo.generator.write_places import write_address_library, write_grid_workers, write_housing

__all__ = [
    "DEFAULT_AS_OF",
    "EVENTS",
    "STANDARD",
    "STYLES",
    "DemoFile",
    "DemoManifest",
    "World",
    "build_world",
    "district_style",
    "generate_district",
]


@dataclass(frozen=True)
class DemoManifest:
    out_dir: Path
    persons: int
    seed: int
    as_of: date
    files: tuple[DemoFile, ...]  # one per source, in the order written
    truth: DemoFile
    noise: DemoFile
    tasks_truth: DemoFile  # every case of the task rules (task_truth.py)
    events: DemoFile  # residents' complaints (write_events.py) …
    events_truth: DemoFile  # … and where each happened, what it is about
    style: str = STANDARD  # how the exports are written (hub.demo.generator.styles)

    @property
    def extras(self) -> tuple[DemoFile, ...]:
        return (self.truth, self.noise, self.tasks_truth, self.events, self.events_truth)

    def rows(self) -> dict[str, int]:
        return {f.name: f.rows for f in (*self.files, *self.extras)}

    def to_dict(self) -> dict[str, object]:
        def entry(f: DemoFile) -> dict[str, object]:
            return {"name": f.name, "file": f.path.name, "rows": f.rows}

        # The standard style is not recorded, so its manifest stays as it always was.
        style = {} if self.style == STANDARD else {"style": self.style}
        return {
            **style,
            "persons": self.persons,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "files": [entry(f) for f in self.files],
            "truth": entry(self.truth),
            "noise": entry(self.noise),
            "tasks_truth": entry(self.tasks_truth),
            "events": entry(self.events),
            "events_truth": entry(self.events_truth),
        }

    def __rich__(self) -> str:  # `gridhub demo generate` prints the manifest with rich
        return str(self)

    def __str__(self) -> str:
        lines = [
            f"demo district: {self.persons:,} residents, seed {self.seed}, as of {self.as_of}"
            + ("" if self.style == STANDARD else f", {self.style} style")
            + f" → {self.out_dir}"
        ]
        lines += [f"  {f.path.name:<24}{f.rows:>12,} rows" for f in (*self.files, *self.extras)]
        return "\n".join(lines)


def generate_district(
    out_dir: Path,
    persons: int,
    seed: int,
    *,
    as_of: date = DEFAULT_AS_OF,
    style: str = STANDARD,
    events: int = EVENTS,
) -> DemoManifest:
    """Write the demo district's source files, truth.csv, noise.csv, tasks_truth.csv, events.jsonl,
    events_truth.csv and manifest.json into `out_dir`.

    `style` is how the department exports are written (``standard``, or ``county``: see
    hub.demo.generator.styles); the district and its truth are the same in both. `as_of` is the
    day the district stands on (the task rules' reference date); `events` how many complaints.
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if events < 0:
        raise ValueError("events must be zero or more")
    writing = writing_style(style)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(persons, seed, as_of)
    truth_sink = CsvSink(out_dir / "truth.csv", "truth", TRUTH_COLUMNS)
    noise_sink = CsvSink(out_dir / "noise.csv", "noise", NoiseLog.COLUMNS)
    try:
        truth, log = Truth(world.district, truth_sink), NoiseLog(noise_sink, writing)
        files = (
            write_address_library(world, out_dir, truth, writing),
            write_grid_workers(world, out_dir, truth, writing),
            write_population(world, out_dir, truth, log, writing),
            write_grid_collection(world, out_dir, truth, log, writing),
            write_business_registry(world, out_dir, truth, log, writing),
            write_licences(world, out_dir, truth, log, writing),
            write_housing(world, out_dir, truth, log, writing),
            write_newborns(world, out_dir, truth, log, writing),
        )
    finally:
        truth_file, noise_file = truth_sink.close(), noise_sink.close()
    events_file, events_truth = write_events(world, out_dir, events)
    manifest = DemoManifest(
        out_dir=out_dir,
        persons=persons,
        seed=seed,
        as_of=as_of,
        files=files,
        truth=truth_file,
        noise=noise_file,
        tasks_truth=write_task_truth(world, truth, out_dir),
        events=events_file,
        events_truth=events_truth,
        style=style,
    )
    text = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def district_style(data_dir: Path) -> str:
    """The style a generated district was written in, from its manifest.json (standard when the
    manifest says none, or there is no manifest)."""
    manifest = Path(data_dir) / "manifest.json"
    if not manifest.is_file():
        return STANDARD
    style = json.loads(manifest.read_text(encoding="utf-8")).get("style", STANDARD)
    if style not in STYLES:
        raise ValueError(f"{manifest}: unknown district style {style!r}")
    return str(style)
