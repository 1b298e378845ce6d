/**
 * The chart of throughput against added latency and against the in-flight limit, as a
 * hand-written SVG: two panels, a logarithmic y axis (the contenders differ by orders of
 * magnitude), one line per contender.
 */

/** A line of the chart. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** One panel. `xs` are the ticks, placed evenly when `categorical`. */
export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly xs: readonly number[];
  readonly categorical: boolean;
  readonly series: readonly Series[];
}

const WIDTH = 960;
const HEIGHT = 480;
const PANEL_WIDTH = 400;
const PLOT = { top: 92, height: 280, left: 70 } as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formatCount(value: number): string {
  if (value >= 1_000_000) return `${value / 1_000_000}M`;
  if (value >= 1_000) return `${value / 1_000}k`;
  return String(value);
}

function panelSvg(panel: Panel, offsetX: number, yMin: number, yMax: number): string {
  const left = offsetX + PLOT.left;
  const width = PANEL_WIDTH - PLOT.left;
  const bottom = PLOT.top + PLOT.height;
  const xMin = Math.min(...panel.xs);
  const xMax = Math.max(...panel.xs);
  const xAt = (x: number) => {
    if (panel.categorical) {
      const index = panel.xs.indexOf(x);
      return left + (width * (index + 0.5)) / panel.xs.length;
    }
    return left + 20 + ((width - 40) * (x - xMin)) / (xMax - xMin || 1);
  };
  const yAt = (y: number) =>
    bottom - (PLOT.height * (Math.log10(y) - Math.log10(yMin))) / (Math.log10(yMax) - Math.log10(yMin));
  const parts: string[] = [];
  parts.push(
    `<text x="${offsetX + PANEL_WIDTH / 2 + PLOT.left / 2}" y="${PLOT.top - 14}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const y = decade * step;
      if (y > yMax) break;
      const major = step === 1;
      parts.push(
        `<line x1="${left}" x2="${left + width}" y1="${yAt(y).toFixed(1)}" y2="${yAt(y).toFixed(1)}" stroke="${major ? '#bbb' : '#e5e5e5'}" stroke-width="1"/>`,
      );
      parts.push(
        `<text x="${left - 6}" y="${(yAt(y) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#444">${formatCount(y)}</text>`,
      );
    }
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${PLOT.top}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" x2="${left + width}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  for (const x of panel.xs) {
    parts.push(
      `<line x1="${xAt(x).toFixed(1)}" x2="${xAt(x).toFixed(1)}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${xAt(x).toFixed(1)}" y="${bottom + 18}" text-anchor="middle" font-size="11" fill="#444">${x}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${bottom + 38}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(${offsetX + 18} ${PLOT.top + PLOT.height / 2}) rotate(-90)" text-anchor="middle" font-size="12">records per second (log)</text>`,
  );
  for (const series of panel.series) {
    const path = series.points.map((p) => `${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of series.points) {
      parts.push(
        `<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="3.5" fill="${series.color}"><title>${escapeXml(series.label)}: ${Math.round(p.y)} records/s at ${p.x}</title></circle>`,
      );
    }
  }
  panel.series.forEach((series, i) => {
    const y = bottom + 58 + i * 17;
    parts.push(
      `<line x1="${left}" x2="${left + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${left + 32}" y="${y}" font-size="12">${escapeXml(series.label)}</text>`);
  });
  return parts.join('\n');
}

/** The whole SVG document. */
export function throughputChart(title: string, subtitle: string, panels: readonly [Panel, Panel]): string {
  const ys = panels.flatMap((panel) => panel.series.flatMap((series) => series.points.map((p) => p.y)));
  const yMin = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...ys))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const legendRows = Math.max(...panels.map((panel) => panel.series.length));
  const height = HEIGHT + Math.max(0, legendRows - 3) * 17;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    panelSvg(panels[0], 20, yMin, yMax),
    panelSvg(panels[1], 20 + PANEL_WIDTH + 100, yMin, yMax),
    '</svg>',
    '',
  ].join('\n');
}
