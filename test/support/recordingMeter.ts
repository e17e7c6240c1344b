// A MetricMeter that records every sample (name, kind, value, tags with the meter's own), for asserting
// what the app reports without a Prometheus endpoint.
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricKind,
  MetricMeter,
  MetricTags,
} from '@temporalio/common';

export interface Sample {
  name: string;
  kind: MetricKind;
  value: number;
  tags: MetricTags;
}

export function recordingMeter(samples: Sample[] = [], baseTags: MetricTags = {}): MetricMeter & { samples: Sample[] } {
  // One shape serves every kind: add (counter), record (histogram), set (gauge).
  const metric = (name: string, kind: MetricKind, tags: MetricTags): unknown => {
    const record = (value: number, extra: MetricTags = {}) => {
      samples.push({ name, kind, value, tags: { ...baseTags, ...tags, ...extra } });
    };
    return {
      name,
      kind,
      valueType: 'int',
      add: record,
      record,
      set: record,
      withTags: (more: MetricTags) => metric(name, kind, { ...tags, ...more }),
    };
  };
  return {
    samples,
    createCounter: (name) => metric(name, 'counter', {}) as MetricCounter,
    createHistogram: (name) => metric(name, 'histogram', {}) as MetricHistogram,
    createGauge: (name) => metric(name, 'gauge', {}) as MetricGauge,
    withTags: (tags) => recordingMeter(samples, { ...baseTags, ...tags }),
  };
}
