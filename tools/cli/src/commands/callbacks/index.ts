import type { CommandGroup } from '../../command';
import { createCallback } from './create';
import { deleteCallback } from './delete';
import { getCallback } from './get';
import { listCallbacks } from './list';
import { revealSecret } from './reveal-secret';
import { rotateSecret } from './rotate-secret';
import { testCallback } from './test';
import { updateCallback } from './update';

export const callbacksGroup: CommandGroup = {
  name: 'callbacks',
  summary: 'Create, inspect, change, delete and test callbacks (config service, gRPC).',
  commands: [
    createCallback,
    listCallbacks,
    getCallback,
    updateCallback,
    deleteCallback,
    testCallback,
    rotateSecret,
    revealSecret,
  ],
};
