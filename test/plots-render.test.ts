// Charts: Vega-Lite → SVG → PNG. The PNG must be a PNG of the SVG's size × scale, identical bytes for the same spec,
// and its text must be drawn with the bundled font (system fonts are never loaded).
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lineChartSpec, svgToPng, vegaLiteToPng, vegaLiteToSvg } from '../src/report/plots.js';

/** Width, height and the inflated scanlines of a PNG, read by hand from its chunks. */
function readPng(png: Buffer): { width: number; height: number; raw: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  return { width, height, raw: inflateSync(Buffer.concat(idat)) };
}

const chart = () =>
  lineChartSpec({
    title: 'Energy against users',
    subtitle: ['line one', 'line two'],
    rows: [
      { users: 1, value: 2, series: 'GPU 0' },
      { users: 10, value: 5, series: 'GPU 0' },
      { users: 1, value: 3, series: 'GPU 1' },
      { users: 10, value: 1, series: 'GPU 1' },
    ],
    x: { field: 'users', title: 'Users', log: true, ticks: [1, 10] },
    y: { field: 'value', title: 'gCO2e' },
    series: { field: 'series', title: 'GPU' },
    width: 300,
    height: 200,
  });

describe('plots', () => {
  it('renders a line chart to SVG with its title, axis titles and legend entries', async () => {
    const svg = await vegaLiteToSvg(chart());
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['Energy against users', 'line two', 'Users', 'gCO2e', 'GPU 0', 'GPU 1']) expect(svg).toContain(`>${text}<`);
    expect(svg).toContain('DejaVu Sans');
  });

  it('rasterises to a PNG of the SVG size times the scale, with the same bytes every time', async () => {
    const svg = await vegaLiteToSvg(chart());
    const w = Number(/^<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
    const h = Number(/^<svg[^>]* height="([\d.]+)"/.exec(svg)![1]);
    const png = svgToPng(svg, 2);
    const { width, height, raw } = readPng(png);
    expect(width).toBe(Math.round(2 * w));
    expect(height).toBe(Math.round(2 * h));
    expect(raw.length).toBe(height * (1 + width * 4)); // RGBA rows, one filter byte each
    expect((await vegaLiteToPng(chart())).equals(png)).toBe(true);
    expect(svgToPng(svg, 1).length).toBeLessThan(png.length);
  });

  it('draws text with the bundled font', () => {
    const frame = (inner: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><rect width="80" height="30" fill="white"/>${inner}</svg>`;
    const blank = readPng(svgToPng(frame(''), 1)).raw;
    const text = readPng(svgToPng(frame('<text x="4" y="22" font-family="DejaVu Sans" font-size="20">Wh</text>'), 1)).raw;
    const generic = readPng(svgToPng(frame('<text x="4" y="22" font-family="sans-serif" font-size="20">Wh</text>'), 1)).raw;
    expect(text.equals(blank)).toBe(false);
    expect(generic.equals(text)).toBe(true); // sans-serif maps to the bundled DejaVu Sans
  });
});
