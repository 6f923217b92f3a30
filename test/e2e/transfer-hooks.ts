/** What the worker puts on its global scope for tests (`__semantestPorts`, src/background/index.ts). */
import type { RefererPort } from '../../src/platform/ports.ts';
import type { TransferPort } from '../../src/platform/transfer-port.ts';

export interface TestPorts {
  transfers: TransferPort;
  referer: RefererPort;
}
