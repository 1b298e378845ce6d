/** The fleet chart: goodput and Jain's fairness against the number of environments, one line per mode, as SVG. */

/** One line: a value per number of environments. */
export interface FleetSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { readonly environments: number; readonly value: number }[];
}

/** One panel: a metric with its goal. */
export interface FleetPanel {
  readonly title: string;
  readonly yLabel: string;
  readonly yMax: number;
  readonly goal: number;
  readonly series: readonly FleetSeries[];
}

const WIDTH = 960;
const PANEL_WIDTH = 420;
const PLOT = { top: 90, height: 260, left: 60 } as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panelSvg(panel: FleetPanel, environments: readonly number[], offsetX: number): string {
  const left = offsetX + PLOT.left;
  const width = PANEL_WIDTH - PLOT.left;
  const bottom = PLOT.top + PLOT.height;
  const xAt = (n: number) => left + (width * (environments.indexOf(n) + 0.5)) / environments.length;
  const yAt = (y: number) => bottom - (PLOT.height * Math.min(y, panel.yMax)) / panel.yMax;
  const parts = [
    `<text x="${left + width / 2}" y="${PLOT.top - 16}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`,
  ];
  for (let y = 0; y <= panel.yMax + 1e-9; y += 0.2) {
    parts.push(
      `<line x1="${left}" x2="${left + width}" y1="${yAt(y).toFixed(1)}" y2="${yAt(y).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${(yAt(y) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#444">${y.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<line x1="${left}" x2="${left + width}" y1="${yAt(panel.goal).toFixed(1)}" y2="${yAt(panel.goal).toFixed(1)}" stroke="#c00" stroke-dasharray="5 4"/>`,
    `<text x="${left + width - 4}" y="${(yAt(panel.goal) - 5).toFixed(1)}" text-anchor="end" font-size="11" fill="#c00">goal ${panel.goal}</text>`,
    `<line x1="${left}" x2="${left}" y1="${PLOT.top}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" x2="${left + width}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
  );
  for (const n of environments) {
    parts.push(
      `<text x="${xAt(n).toFixed(1)}" y="${bottom + 18}" text-anchor="middle" font-size="11" fill="#444">${n}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${bottom + 38}" text-anchor="middle" font-size="12">execution environments (N)</text>`,
    `<text transform="translate(${offsetX + 16} ${PLOT.top + PLOT.height / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(panel.yLabel)}</text>`,
  );
  for (const series of panel.series) {
    const path = series.points
      .map((p) => `${xAt(p.environments).toFixed(1)},${yAt(p.value).toFixed(1)}`)
      .join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2.5"/>`);
    for (const p of series.points) {
      parts.push(
        `<circle cx="${xAt(p.environments).toFixed(1)}" cy="${yAt(p.value).toFixed(1)}" r="3.5" fill="${series.color}"><title>${escapeXml(series.label)}: ${p.value.toFixed(3)} at N = ${p.environments}</title></circle>`,
      );
    }
  }
  panel.series.forEach((series, i) => {
    const y = bottom + 60 + i * 17;
    parts.push(
      `<line x1="${left}" x2="${left + 26}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="2.5"/>`,
      `<text x="${left + 32}" y="${y}" font-size="12">${escapeXml(series.label)}</text>`,
    );
  });
  return parts.join('\n');
}

/** The whole SVG document: goodput on the left, fairness on the right. */
export function fleetChart(
  title: string,
  subtitle: string,
  environments: readonly number[],
  panels: readonly [FleetPanel, FleetPanel],
): string {
  const legendRows = Math.max(...panels.map((panel) => panel.series.length));
  const height = PLOT.top + PLOT.height + 70 + legendRows * 17;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    panelSvg(panels[0], environments, 20),
    panelSvg(panels[1], environments, 20 + PANEL_WIDTH + 80),
    '</svg>',
    '',
  ].join('\n');
}
