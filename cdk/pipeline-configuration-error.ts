import type { IConstruct } from 'constructs';

/** Props that cannot work together, found when the construct is built; the message says what to change. */
export class PipelineConfigurationError extends Error {
  /** The path of the construct whose props are wrong. */
  readonly constructPath: string;

  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
    this.name = 'PipelineConfigurationError';
    this.constructPath = scope.node.path;
  }
}
