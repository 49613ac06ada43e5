// CodeCarbon `emissions.csv` (v2.8 … v3.3; energy-model.md §9.1) into a RunReport, parsed by header name.
// CodeCarbon multiplies every component energy by PUE (`energy *= self._pue` in emissions_tracker.py), so the
// component energies are divided by `pue` here to get IT energy; `energy_consumed` is facility energy.
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { finalizeRunReport, type RunReport } from '../report/runReport.js';
import { CsvColumns, readCsvFile, type CsvRow } from './csvTable.js';

const J_PER_KWH = 3.6e6;

export interface CodeCarbonOptions {
  /** Which row: a `run_id`, or a 0-based data-row index; default the last row. */
  row?: string | number;
  modelId?: string;
  /** Token counts from a paired benchmark, since CodeCarbon has none. */
  inputTokens?: number;
  outputTokens?: number;
  requests?: number;
}

export function importCodeCarbon(file: string, opts: CodeCarbonOptions = {}): RunReport {
  const table = readCsvFile(file);
  const c = new CsvColumns(table);
  c.require('duration', 'emissions', 'cpu_energy', 'gpu_energy', 'ram_energy', 'energy_consumed');
  if (table.rows.length === 0) throw new InputError('no data rows', { file, line: 2 });
  const warnings: string[] = [];
  let row: CsvRow;
  if (typeof opts.row === 'number') {
    row = table.rows[opts.row];
    if (!row) throw new InputError(`row ${opts.row} requested, the file has ${table.rows.length} data rows`, { file });
  } else if (typeof opts.row === 'string') {
    c.require('run_id');
    const found = table.rows.filter((r) => c.text(r, 'run_id') === opts.row);
    if (found.length === 0) throw new InputError(`no row with run_id '${opts.row}'`, { file, field: 'run_id' });
    row = found[found.length - 1];
  } else {
    row = table.rows[table.rows.length - 1];
    if (table.rows.length > 1) warnings.push(`${table.rows.length} rows in ${basename(file)}: imported the last (line ${row.line}); choose another with a row option`);
  }
  const factors: RunReport['provenance']['factors'] = [];
  let pue = c.number(row, 'pue', true);
  if (pue === null) {
    pue = 1;
    warnings.push('no pue column (CodeCarbon < 3.1 or edited file): assumed 1.0, the CodeCarbon default');
  } else if (!(pue >= 1)) throw new InputError(`expected a PUE >= 1, found ${pue}`, { file, line: row.line, field: 'pue' });
  factors.push({ name: 'pue', value: pue, unit: '1', source: 'CodeCarbon emissions.csv pue column', kind: 'measured-config' });
  const kwh = (name: string) => {
    const v = c.requiredNumber(row, name);
    if (v < 0) throw new InputError(`expected energy >= 0 kWh, found ${v}`, { file, line: row.line, field: name });
    return v;
  };
  const gpuJ = (kwh('gpu_energy') * J_PER_KWH) / pue;
  const cpuJ = (kwh('cpu_energy') * J_PER_KWH) / pue;
  const ramJ = (kwh('ram_energy') * J_PER_KWH) / pue;
  const facilityJ = kwh('energy_consumed') * J_PER_KWH;
  const itJ = facilityJ / pue;
  const other = itJ - (gpuJ + cpuJ + ramJ);
  if (Math.abs(other) > 1e-6 * Math.max(itJ, 1)) warnings.push(`energy_consumed differs from cpu+gpu+ram energy by ${other.toFixed(3)} J (kept as other_it_j)`);
  const emissionsG = c.requiredNumber(row, 'emissions') * 1000;
  const durationS = c.requiredNumber(row, 'duration');
  const ci = facilityJ > 0 ? emissionsG / (facilityJ / J_PER_KWH) : null;
  if (ci !== null) factors.push({ name: 'grid_intensity', value: ci, unit: 'gCO2e/kWh', source: 'derived: CodeCarbon emissions / energy_consumed', kind: 'derived' });
  if (c.text(row, 'tracking_mode') === 'process') warnings.push("tracking_mode 'process': CPU/RAM are per process but GPU energy is still whole-device");
  warnings.push('CodeCarbon records no tokens or requests: intensities need token counts from a paired benchmark');
  const region = [c.text(row, 'country_iso_code'), c.text(row, 'region'), c.text(row, 'cloud_provider') && `${c.text(row, 'cloud_provider')}:${c.text(row, 'cloud_region')}`]
    .filter((s) => s)
    .join(' / ');
  const gpuCount = c.number(row, 'gpu_count', true);
  const water = c.number(row, 'water_consumed', true);
  const gpuPower = c.number(row, 'gpu_power', true);
  return finalizeRunReport({
    source: {
      kind: 'measured',
      tool: 'codecarbon',
      tool_version: c.text(row, 'codecarbon_version') || null,
      run_id: c.text(row, 'run_id') || `${basename(file)}:${row.line}`,
      ended_at: c.text(row, 'timestamp') || null,
      raw_files: [file],
    },
    scenario: {
      model_id: opts.modelId ?? (c.text(row, 'project_name') || 'unknown'),
      accelerators: gpuCount && gpuCount > 0 ? [{ name: c.text(row, 'gpu_model') || 'unknown', count: gpuCount }] : [],
      site: { pue, grid_region: region || null, ci_gco2e_per_kwh: ci, ci_source: 'CodeCarbon' },
    },
    workload: {
      duration_s: durationS,
      requests_completed: opts.requests ?? 0,
      input_tokens: opts.inputTokens ?? null,
      output_tokens: opts.outputTokens ?? null,
    },
    performance: {},
    energy: {
      gpu_j: gpuJ,
      cpu_j: cpuJ,
      ram_j: ramJ,
      other_it_j: other,
      it_total_j: itJ,
      facility_overhead_j: facilityJ - itJ,
      facility_total_j: facilityJ,
      mean_gpu_power_w: gpuPower,
      method: 'codecarbon',
      pue_applied_in_source: pue !== 1,
    },
    carbon: { operational_gco2e: emissionsG, embodied_gco2e: null, total_gco2e: null },
    water: water === null ? null : { total_l: water, method: 'CodeCarbon water_consumed' },
    provenance: { factors, warnings },
  });
}
