/** One sample line of the Prometheus text format, its label values unescaped. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  samples: ParsedSample[];
  /** `# TYPE` per metric name. */
  types: Map<string, string>;
  /** `# HELP` per metric name, unescaped. */
  help: Map<string, string>;
}

const unescape = (text: string) => text.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));

/**
 * Parses the Prometheus text exposition format 0.0.4 strictly enough that a malformed line fails
 * the test: every line is a comment, blank, or `name{label="value",...} number`.
 */
export function parsePrometheusText(text: string): ParsedExposition {
  const parsed: ParsedExposition = { samples: [], types: new Map(), help: new Map() };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name = '', rest = ''] = comment;
      if (kind === 'TYPE') parsed.types.set(name, rest);
      else parsed.help.set(name, unescape(rest));
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    const [, name = '', labelText = '', valueText = ''] = sample;
    const labels: Record<string, string> = {};
    for (const [, label = '', value = ''] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label] = unescape(value);
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`not a number: ${JSON.stringify(line)}`);
    parsed.samples.push({ name, labels, value });
  }
  return parsed;
}

/** The value of the one sample with this name whose labels include `labels`; throws if none or several match. */
export function sampleValue(parsed: ParsedExposition, name: string, labels: Record<string, string> = {}): number {
  const matching = parsed.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
  if (matching.length !== 1) throw new Error(`${matching.length} samples of ${name} ${JSON.stringify(labels)}`);
  return matching[0]?.value ?? NaN;
}
