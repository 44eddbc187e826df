import type { CommandGroup } from '../../command';
import { publishEvents } from './publish';

export const eventsGroup: CommandGroup = {
  name: 'events',
  summary: 'Publish profile events on NATS JetStream, as the CRM does.',
  commands: [publishEvents],
};
