/**
 * Merges the JSON reports of file-by-file StrykerJS runs (reports/mutation/*.json, in the
 * mutation-testing-elements schema) into the table of docs/mutation-testing.md: one row per
 * file and per folder, and the surviving mutants. Where two reports cover a file, the newer
 * wins. A report `<name>.json` may have a `<name>.commit` beside it whose first line is
 * `commit <sha>` (the commit the run was started on): the table names it.
 * Usage: `npx tsx scripts/mutation-summary.ts [reports/mutation]`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[] }>>;
}

interface Counts {
  mutants: number;
  killed: number;
  timedOut: number;
  survived: number;
  noCoverage: number;
  ignored: number;
}

const directory = process.argv[2] ?? 'reports/mutation';

/** The commit a report's run started on, from `<name>.commit` beside it, if there is one. */
function commitOf(reportPath: string): string {
  const path = reportPath.replace(/\.json$/, '.commit');
  if (!existsSync(path)) return '—';
  const match = /^commit ([0-9a-f]{7})/.exec(readFileSync(path, 'utf8'));
  return match?.[1] ?? '—';
}

const measuredAt = new Map<string, string>();

/** Per file, its mutants from the newest report that has it. */
function readReports(): Map<string, readonly Mutant[]> {
  const reports = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  const files = new Map<string, readonly Mutant[]>();
  for (const path of reports) {
    const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    for (const [file, { mutants }] of Object.entries(report.files)) {
      files.set(file, mutants);
      measuredAt.set(file, commitOf(path));
    }
  }
  return files;
}

function count(mutants: readonly Mutant[], into: Counts = emptyCounts()): Counts {
  for (const { status } of mutants) {
    into.mutants++;
    if (status === 'Killed') into.killed++;
    else if (status === 'Timeout') into.timedOut++;
    else if (status === 'Survived') into.survived++;
    else if (status === 'NoCoverage') into.noCoverage++;
    else into.ignored++;
  }
  return into;
}

function emptyCounts(): Counts {
  return { mutants: 0, killed: 0, timedOut: 0, survived: 0, noCoverage: 0, ignored: 0 };
}

/** Stryker's score: detected (killed or timed out) over all valid mutants (ignored and compile errors left out). */
function score(counts: Counts): string {
  const detected = counts.killed + counts.timedOut;
  const valid = detected + counts.survived + counts.noCoverage;
  return valid === 0 ? '—' : `${((100 * detected) / valid).toFixed(1)} %`;
}

function row(name: string, counts: Counts, commit = ''): string {
  const { mutants, killed, timedOut, survived, noCoverage, ignored } = counts;
  return `| ${name} | ${mutants} | ${killed} | ${timedOut} | ${survived} | ${noCoverage} | ${ignored} | ${score(counts)} | ${commit} |`;
}

const files = readReports();
const folders = new Map<string, Counts>();
const lines = [
  '| folder / file | mutants | killed | timed out | survived | no coverage | ignored | score | commit |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const file of [...files.keys()].sort()) {
  const mutants = files.get(file) ?? [];
  lines.push(row(file, count(mutants), measuredAt.get(file)));
  const folder = dirname(file);
  folders.set(folder, count(mutants, folders.get(folder)));
}
for (const [folder, counts] of [...folders].sort()) lines.push(row(`**${folder}**`, counts));
lines.push('', 'Surviving and uncovered mutants:', '');
for (const file of [...files.keys()].sort()) {
  for (const mutant of files.get(file) ?? []) {
    if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
    const { line, column } = mutant.location.start;
    const replacement = (mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80);
    lines.push(`- ${file}:${line}:${column} ${mutant.status} ${mutant.mutatorName} → \`${replacement}\``);
  }
}
console.log(lines.join('\n'));
