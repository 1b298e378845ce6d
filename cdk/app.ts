import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  EXAMPLE_PIPELINES,
  ExamplePipelineStack,
  exampleStackName,
  parseExamplePipeline,
} from './examples/example-pipeline-stack.js';

/**
 * The CDK app (cdk.json's "app"). `-c pipeline=<name>` builds that one example stack, so
 * `npx cdk deploy -c pipeline=sqs-to-kinesis` is the whole deployment; without it, every
 * example stack is built. cdk-nag's AwsSolutions pack checks every stack at synth time.
 */
const app = new App();
const requested: unknown = app.node.tryGetContext('pipeline');
const pipelines = requested === undefined ? EXAMPLE_PIPELINES : [parseExamplePipeline(requested)];
for (const pipeline of pipelines) {
  new ExamplePipelineStack(app, exampleStackName(pipeline), {
    pipeline,
    description: `lambda-async-sink example: ${pipeline.replaceAll('-', ' ')}`,
  });
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
