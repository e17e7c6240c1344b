// The default bundle's workflow interceptors: new runs make no spans; runs begun with spans keep them.
import { perRunTracing } from './perRunTracing';

export const interceptors = perRunTracing(false);
