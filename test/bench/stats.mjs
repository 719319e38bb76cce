// The figures every bench section prints: medians, percentiles, rates, and "median (min–max)".
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
export const fmt = (n) => Math.round(n).toLocaleString('en-US');
/** The median of rates with their range, e.g. `12,345 (11,900–13,020)`. */
export const spread = (values) => `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
