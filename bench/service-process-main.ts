/**
 * The child process that hosts the destination: the Kinesis stub with the fault proxy in
 * front of it, and the Firehose and SQS stub. It runs apart from the contenders so that its CPU (JSON parsing, the
 * proxy's copying) is not charged to the client being measured.
 */
import { startFaultProxy } from '../local/services/fault-proxy.js';
import { startBatchStub } from './batch-stub.js';
import { startKinesisStub } from './kinesis-stub.js';
import type { ServiceCommand, ServiceReply } from './service-protocol.js';

const stub = await startKinesisStub();
const proxy = await startFaultProxy({ upstream: stub.endpoint, seed: 1 });
const batchStub = await startBatchStub();

let cpuSinceReset = process.cpuUsage();

function reply(message: ServiceReply): void {
  process.send?.(message);
}

function cpuMilliseconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1_000;
}

process.on('message', (command: ServiceCommand) => {
  switch (command.type) {
    case 'configure':
      stub.configure(command.stub);
      proxy.setFaults(command.faults);
      reply({ type: 'done', id: command.id });
      return;
    case 'reset':
      stub.reset();
      proxy.resetStats();
      cpuSinceReset = process.cpuUsage();
      reply({ type: 'done', id: command.id });
      return;
    case 'report':
      reply({
        type: 'report',
        id: command.id,
        arrived: [...stub.arrived()],
        stub: stub.stats(),
        proxy: proxy.stats(),
        cpuMs: cpuMilliseconds(process.cpuUsage(cpuSinceReset)),
      });
      return;
    case 'close':
      Promise.all([proxy.close(), stub.close(), batchStub.close()]).finally(() => {
        reply({ type: 'done', id: command.id });
        process.disconnect();
      });
      return;
  }
});

reply({
  type: 'ready',
  stubEndpoint: stub.endpoint,
  proxyEndpoint: proxy.endpoint,
  batchStubEndpoint: batchStub.endpoint,
});
