// Charts as files: a Vega-Lite spec → Vega → SVG (headless, renderer 'none') → PNG (resvg). Text is drawn with the
// DejaVu Sans TTF shipped in the `dejavu-fonts-ttf` npm package and system fonts are never loaded, so the same spec
// gives byte-identical PNGs on every machine. Reusable for sweep plots and HTML reports (the SVG step is exported).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);
const FONT_FAMILY = 'DejaVu Sans';
let fontFiles: string[] | undefined;

/** The bundled font files (regular and bold), resolved from the installed npm package. */
function plotFontFiles(): string[] {
  if (!fontFiles) {
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

/** Vega-Lite config every chart shares: one font everywhere (the one resvg is given), white background. */
const BASE_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  title: { fontSize: 15, subtitleFontSize: 12, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal' },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 260 },
} as const;

/** Compiles a Vega-Lite spec (BASE_CONFIG under the spec's own config) and renders it to SVG text. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...BASE_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG at `scale` × its CSS pixel size, with the bundled font only. */
export function svgToPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: plotFontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return r.render().asPng();
}

export async function vegaLiteToPng(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  return svgToPng(await vegaLiteToSvg(spec), scale);
}

export interface LineChartOptions {
  title: string;
  /** One string per line. */
  subtitle?: string | string[];
  rows: Record<string, string | number>[];
  /** `ticks`: put the axis ticks at exactly these values (e.g. the levels of a sweep). */
  x: { field: string; title: string; log?: boolean; ticks?: number[] };
  y: { field: string; title: string };
  /** One line per value of this field; `order` fixes the colours and legend order (same colour per series across charts). */
  series: { field: string; title: string; order?: string[] };
  width?: number;
  height?: number;
}

/** A line chart with a point at each datum, one colour per series; log x axis on request. */
export function lineChartSpec(o: LineChartOptions): TopLevelSpec {
  const domain = o.series.order ? { scale: { domain: o.series.order } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: o.width ?? 760,
    height: o.height ?? 320,
    padding: { left: 8, top: 8, right: 24, bottom: 8 }, // room for the last marker and axis label at the right edge
    data: { values: o.rows },
    mark: { type: 'line', point: { size: 70, filled: false, strokeWidth: 2 }, strokeWidth: 2 },
    encoding: {
      x: {
        field: o.x.field,
        type: 'quantitative',
        title: o.x.title,
        scale: o.x.log ? { type: 'log' } : { zero: false },
        axis: { grid: true, ...(o.x.ticks ? { values: o.x.ticks } : {}) },
      },
      y: { field: o.y.field, type: 'quantitative', title: o.y.title, scale: { zero: true } },
      // Legend below the plot: headless Vega estimates text widths, so a side legend would leave a wide margin.
      color: { field: o.series.field, type: 'nominal', title: o.series.title, sort: null, legend: { orient: 'bottom', direction: 'horizontal' }, ...domain },
      // A marker shape per series too, so lines that coincide (identical GPUs) stay distinguishable.
      shape: { field: o.series.field, type: 'nominal', title: o.series.title, sort: null, ...domain },
    },
  } as TopLevelSpec;
}
