// Grid carbon intensity over simulated time: a static value, a bundled region, or an hourly (any fixed step) series.
// Operational carbon of energy E spent at constant power over [a, b] is E × mean CI over [a, b] (energy-model.md §5).
import { InputError, closestNames } from '../errors.js';
import { CsvColumns, readCsvFile } from '../measured/csvTable.js';
import { gridTable } from './factorTables.js';
import type { Factor } from './types.js';

export interface GridIntensity {
  region: string;
  source: string;
  /** The single value when the intensity is static, else null. */
  staticGPerKWh: number | null;
  /** Mean intensity (gCO2e/kWh) over simulated seconds [startS, endS]. */
  meanGPerKWh(startS: number, endS: number): number;
  /** True if [0, endS] reaches past the data (the last value is then held). */
  extendsPastData(endS: number): boolean;
  factors(): Factor[];
}

export function staticGrid(gPerKWh: number, region: string, source: string, kind = 'user'): GridIntensity {
  if (!(gPerKWh >= 0) || !Number.isFinite(gPerKWh)) throw new InputError(`grid intensity must be a finite number >= 0 gCO2e/kWh, got ${gPerKWh}`);
  return {
    region,
    source,
    staticGPerKWh: gPerKWh,
    meanGPerKWh: () => gPerKWh,
    extendsPastData: () => false,
    factors: () => [{ name: `grid_intensity:${region}`, value: gPerKWh, unit: 'gCO2e/kWh', source, kind }],
  };
}

/** A bundled region (ISO3 country code, cloud region like `gcp:us-central1`, or a named profile like `seed-fr`). */
export function regionGrid(region: string): GridIntensity {
  const entries = gridTable().entries;
  const hit = entries.find((e) => e.region.toLowerCase() === region.toLowerCase());
  if (!hit) {
    const near = closestNames(region, entries.map((e) => e.region));
    throw new InputError(`unknown grid region '${region}' (did you mean ${near.map((n) => `'${n}'`).join(', ')}?)`, { field: 'grid.region' });
  }
  return staticGrid(hit.value, hit.region, `${hit.source} (${hit.year}, ${hit.scope})`, hit.kind);
}

/**
 * A piecewise-constant series: value i holds over [i·stepS, (i+1)·stepS) seconds after the series start.
 * `offsetS` is where simulated time 0 falls in the series (run start − series start). Past the end the last value holds.
 */
export function seriesGrid(valuesGPerKWh: readonly number[], stepS: number, offsetS: number, region: string, source: string): GridIntensity {
  if (valuesGPerKWh.length === 0) throw new InputError('grid intensity series is empty');
  if (!(stepS > 0)) throw new InputError(`grid intensity series step must be > 0 s, got ${stepS}`);
  if (offsetS < 0) throw new InputError(`the run starts ${-offsetS} s before the grid intensity series; expected the series to cover the run start`);
  const n = valuesGPerKWh.length;
  const cum = new Float64Array(n + 1); // cum[i] = ∫ CI over the first i steps, in (g/kWh)·s
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i] + valuesGPerKWh[i] * stepS;
  const integralTo = (tS: number): number => {
    const x = tS + offsetS;
    const i = Math.floor(x / stepS);
    if (i >= n) return cum[n] + (x - n * stepS) * valuesGPerKWh[n - 1];
    return cum[i] + (x - i * stepS) * valuesGPerKWh[i];
  };
  let mean = 0;
  for (const v of valuesGPerKWh) mean += v / n;
  return {
    region,
    source,
    staticGPerKWh: null,
    meanGPerKWh(startS, endS) {
      if (endS <= startS) {
        const i = Math.min(n - 1, Math.floor((startS + offsetS) / stepS));
        return valuesGPerKWh[i];
      }
      return (integralTo(endS) - integralTo(startS)) / (endS - startS);
    },
    extendsPastData: (endS) => endS + offsetS > n * stepS,
    factors: () => [{ name: `grid_intensity_series_mean:${region}`, value: mean, unit: 'gCO2e/kWh', source: `${source}; ${n} steps of ${stepS} s`, kind: 'timeseries' }],
  };
}

const TIME_COLUMNS = ['timestamp', 'datetime', 'Datetime (UTC)', 'time'];
const VALUE_COLUMNS = ['ci_gco2e_per_kwh', 'carbon_intensity_gco2e_per_kwh', 'Carbon Intensity gCO₂eq/kWh (LCA)', 'carbon_intensity'];

/**
 * Reads a CSV time series: one time column (ISO 8601; one of TIME_COLUMNS) and one intensity column (gCO2e/kWh; one of
 * VALUE_COLUMNS), rows in time order at a fixed step. `runStartIso` is the wall-clock time of simulated t = 0
 * (default: the first row).
 */
export function loadGridSeriesCsv(file: string, region: string, runStartIso?: string): GridIntensity {
  const table = readCsvFile(file);
  const cols = new CsvColumns(table);
  const timeCol = TIME_COLUMNS.find((c) => cols.has(c));
  const valueCol = VALUE_COLUMNS.find((c) => cols.has(c));
  if (!timeCol) cols.require(TIME_COLUMNS[0]);
  if (!valueCol) cols.require(VALUE_COLUMNS[0]);
  if (table.rows.length === 0) throw new InputError('no data rows', { file, line: 2 });
  const timesMs: number[] = [];
  const values: number[] = [];
  for (const row of table.rows) {
    const t = Date.parse(cols.text(row, timeCol!));
    if (!Number.isFinite(t)) throw new InputError(`expected an ISO 8601 time, found '${cols.text(row, timeCol!)}'`, { file, line: row.line, field: timeCol });
    const v = cols.requiredNumber(row, valueCol!);
    if (v < 0) throw new InputError(`expected an intensity >= 0 gCO2e/kWh, found ${v}`, { file, line: row.line, field: valueCol });
    timesMs.push(t);
    values.push(v);
  }
  const stepMs = timesMs.length > 1 ? timesMs[1] - timesMs[0] : 3_600_000;
  for (let i = 1; i < timesMs.length; i++) {
    if (timesMs[i] - timesMs[i - 1] !== stepMs) {
      throw new InputError(`expected rows every ${stepMs / 1000} s in time order, found a step of ${(timesMs[i] - timesMs[i - 1]) / 1000} s`, {
        file,
        line: table.rows[i].line,
        field: timeCol,
      });
    }
  }
  let offsetS = 0;
  if (runStartIso !== undefined) {
    const start = Date.parse(runStartIso);
    if (!Number.isFinite(start)) throw new InputError(`expected an ISO 8601 run start time, found '${runStartIso}'`, { field: 'grid.runStart' });
    offsetS = (start - timesMs[0]) / 1000;
  }
  return seriesGrid(values, stepMs / 1000, offsetS, region, file);
}
