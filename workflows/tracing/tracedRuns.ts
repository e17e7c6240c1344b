// The traced bundle's workflow interceptors: new runs make OpenTelemetry spans (runtime/tracing.ts exports them).
import { perRunTracing } from './perRunTracing';

export const interceptors = perRunTracing(true);
