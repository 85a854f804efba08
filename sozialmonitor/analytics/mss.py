"""Preset: Berlin's *Monitoring Soziale Stadtentwicklung* (MSS) status and dynamics index.

Method (MSS 2013–2019, reproduced exactly from the published tables):

- **Status index** from the shares S1 unemployment, S2 long-term unemployment (reports 2013–2017 only),
  S3 transfer recipients, S4 child poverty; **dynamics index** from their changes D1–D4 (D2 2013–2017 only).
  Report year = data year + 1 (period ``2018-12-31`` → MSS 2019); from MSS 2019 on S2/D2 are dropped.
- Each indicator is z-standardised over the indexed planning areas with the population standard deviation,
  the z-scores are summed with equal weights (higher shares = worse status = higher index), the sum is
  z-standardised again, and classes are cut at standard deviations:
  status 1 "hoch" < −1, 2 "mittel" −1 … +1, 3 "niedrig" > +1 … +1.5, 4 "sehr niedrig" > +1.5;
  dynamics 1 "positiv" < −1, 2 "stabil" −1 … +1, 3 "negativ" > +1.
  The class numbers are those of the demo's ``mss_status_index_class`` / ``mss_dynamic_index_class``.
- **Which areas** (the ≥ 300 inhabitants rule): the MSS indexes the planning areas listed in its table 1 —
  those with at least 300 inhabitants, minus a few it excludes for other reasons (``02020201`` Gleisdreieck
  and ``10010203`` have > 1,000). Table 2-1 lists all 447 areas, with 0 in every cell of the others. The demo
  store keeps those cells as status ``secret`` (no value, see ``data/README.md``), so in the store the rule
  is simply *areas with a value of every index indicator*; in addition the preset applies the threshold
  ``pop_total ≥ 300`` wherever the register population exists for the period (2016-12-31 and 2018-12-31;
  the register series starts in 2015, so for MSS 2013 and 2015 the threshold is not checked and a note
  says so). The register's ``pop_total`` equals the MSS tables' ``inhabitants`` column in every area for
  both dates. :func:`published_tables` reads the raw tables by the same rule (absent from table 1 ⇒ no value).
  Applying the threshold *alone* to table 2-1 would let the zero rows of the excluded large areas into the
  z-scores — a different (wrong) result: agreement drops to 99.1–100 % (MSS 2019 status: 432/436).

**Agreement with the published classes** (``python -m sozialmonitor.analytics.mss``; from the raw tables
and, in the tests, from the demo store — identical results):

======  ==============  ==============
report  status          dynamics
======  ==============  ==============
2013    434/434 (100 %)  434/434 (100 %)
2015    435/435 (100 %)  435/435 (100 %)
2017    436/436 (100 %)  436/436 (100 %)
2019    436/436 (100 %)  436/436 (100 %)
======  ==============  ==============

The z-scores, their sum and the re-standardised status index agree with the published table 3 to 1e-5 (its
rounding). The smallest distance of an index value from a cut point is 0.0004 SD (MSS 2013 status), far more
than the rounding of the 5-decimal inputs can move it, so every class is decided unambiguously.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.analytics.composite import (
    ClassScheme,
    Component,
    CompositeResult,
    CompositeSpec,
    StatusDynamics,
    build_composite,
    composite_for_level,
    status_dynamics,
)
from sozialmonitor.analytics.inputs import wide_values
from sozialmonitor.frames import LevelInfo

STATUS = ("mss_s1_unemployed", "mss_s2_long_term_unemployed", "mss_s3_transfer_recipients",
          "mss_s4_child_poverty")
DYNAMICS = ("mss_d1_unemployed_change", "mss_d2_long_term_unemployed_change",
            "mss_d3_transfer_recipients_change", "mss_d4_child_poverty_change")
DROPPED_FROM_2019 = frozenset({"mss_s2_long_term_unemployed", "mss_d2_long_term_unemployed_change"})
STATUS_CLASS = "mss_status_index_class"
DYNAMICS_CLASS = "mss_dynamic_index_class"
POPULATION = "pop_total"
MIN_POPULATION = 300.0

STATUS_CLASSES = ClassScheme((-1.0, 1.0, 1.5), ("hoch", "mittel", "niedrig", "sehr niedrig"))
DYNAMICS_CLASSES = ClassScheme((-1.0, 1.0), ("positiv", "stabil", "negativ"))
EDITIONS = (2013, 2015, 2017, 2019)


def edition(period: str) -> int:
    """Report year of a data reference date: ``2018-12-31`` → 2019."""
    return int(period[:4]) + 1


def _components(indicators: tuple[str, ...], period: str) -> tuple[Component, ...]:
    dropped = DROPPED_FROM_2019 if edition(period) >= 2019 else frozenset()
    return tuple(Component(i) for i in indicators if i not in dropped)


def status_spec(period: str, *, population: str | None = POPULATION) -> CompositeSpec:
    return CompositeSpec(_components(STATUS, period), STATUS_CLASSES, population,
                         MIN_POPULATION if population else None)


def dynamics_spec(period: str, *, population: str | None = POPULATION) -> CompositeSpec:
    return CompositeSpec(_components(DYNAMICS, period), DYNAMICS_CLASSES, population,
                         MIN_POPULATION if population else None)


@dataclass(frozen=True)
class MssResult:
    period: str
    edition: int
    status: CompositeResult
    dynamics: CompositeResult
    matrix: StatusDynamics


def mss_from_values(values: pd.DataFrame, period: str, population: pd.Series | None = None) -> MssResult:
    """The MSS indices from a wide table of S/D values (catalogue ids as columns, area codes as index)."""
    pop = POPULATION if population is not None else None
    status = build_composite(values, status_spec(period, population=pop), population, period)
    dynamics = build_composite(values, dynamics_spec(period, population=pop), population, period)
    return MssResult(period, edition(period), status, dynamics, status_dynamics(status, dynamics))


def mss_for_level(session: Session, level: LevelInfo, period: str) -> MssResult:
    """The MSS indices of a period from the store (planning areas of the demo's ``berlin`` frame)."""
    status = composite_for_level(session, level, period, status_spec(period))
    dynamics = composite_for_level(session, level, period, dynamics_spec(period))
    return MssResult(period, edition(period), status, dynamics, status_dynamics(status, dynamics))


# --- agreement with the published tables -----------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    edition: int
    index: str  # "status" or "dynamics"
    published: int  # areas with a published class
    agreeing: int
    mismatches: tuple[str, ...]  # area codes whose computed class differs (or is missing)

    @property
    def share(self) -> float:
        return self.agreeing / self.published if self.published else float("nan")

    def line(self) -> str:
        return f"MSS {self.edition} {self.index:8s} {self.agreeing}/{self.published} ({100 * self.share:.2f} %)"


def compare(result: MssResult, published: pd.DataFrame) -> tuple[Agreement, Agreement]:
    """Compare with published class numbers (columns ``status_class``, ``dynamics_class``; index: code)."""
    out = []
    for name, computed, column in (("status", result.status, "status_class"),
                                   ("dynamics", result.dynamics, "dynamics_class")):
        truth = published[column].dropna().astype("int64")
        mine = computed.table["class"].reindex(truth.index)
        same = mine.eq(truth)
        out.append(Agreement(result.edition, name, len(truth), int(same.sum()),
                             tuple(sorted(truth.index[~same]))))
    return out[0], out[1]


def published_from_store(session: Session, level: LevelInfo, period: str) -> pd.DataFrame:
    table = wide_values(session, level, [STATUS_CLASS, DYNAMICS_CLASS], period)
    return table.rename(columns={STATUS_CLASS: "status_class", DYNAMICS_CLASS: "dynamics_class"})


RAW_NAME = "berlin-lor-monitoring-social-urban-development-{year}-00-{table}.csv"
RAW_PREFIX = {"s1_": STATUS[0], "s2_": STATUS[1], "s3_": STATUS[2], "s4_": STATUS[3],
              "d1_": DYNAMICS[0], "d2_": DYNAMICS[1], "d3_": DYNAMICS[2], "d4_": DYNAMICS[3]}
STATUS_CODES = {label: i + 1 for i, label in enumerate(STATUS_CLASSES.labels)}
DYNAMICS_CODES = {label: i + 1 for i, label in enumerate(DYNAMICS_CLASSES.labels)}


def published_tables(raw: Path, year: int) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Read one MSS report from the raw CSVs (``…-YYYY-00-2-1.csv`` inputs, ``…-YYYY-00-1.csv`` classes).

    Returns (inputs with catalogue ids as columns — NaN for areas absent from table 1, whose zeros are not
    data —, inhabitants, published class numbers with columns ``status_class``, ``dynamics_class``)."""
    def read(table: str) -> pd.DataFrame:
        path = raw / RAW_NAME.format(year=year, table=table)
        return pd.read_csv(path, dtype={"id": str}).set_index("id")

    inputs_raw, classes_raw = read("2-1"), read("1")
    columns = {c: RAW_PREFIX[c[:3]] for c in inputs_raw.columns if c[:3] in RAW_PREFIX}
    inputs = inputs_raw[list(columns)].rename(columns=columns).astype("float64")
    inputs.loc[~inputs.index.isin(classes_raw.index)] = np.nan
    published = pd.DataFrame({
        "status_class": classes_raw["status_index_class"].map(STATUS_CODES),
        "dynamics_class": classes_raw["dynamic_index_class"].map(DYNAMICS_CODES),
    })
    return inputs, inputs_raw["inhabitants"].astype("float64"), published


def period_of(year: int) -> str:
    return f"{year - 1}-12-31"


def check_raw(raw: Path) -> list[Agreement]:
    """Agreement per report year and index, computed from the raw tables."""
    out: list[Agreement] = []
    for year in EDITIONS:
        inputs, inhabitants, published = published_tables(raw, year)
        result = mss_from_values(inputs, period_of(year), inhabitants)
        out.extend(compare(result, published))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sozialmonitor.analytics.mss",
                                     description="Recompute the MSS index classes from the published index "
                                     "indicators (tables 2-1) and compare them with the published classes "
                                     "(tables 1).")
    default = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw" / "berlin_mss"
    parser.add_argument("--raw", type=Path, default=default, help=f"folder of the raw MSS CSVs ({default})")
    args = parser.parse_args(argv)
    for agreement in check_raw(args.raw):
        print(agreement.line() + (f"  differ: {', '.join(agreement.mismatches)}" if agreement.mismatches else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
