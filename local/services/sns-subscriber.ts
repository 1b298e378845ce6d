import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A topic and the queue that reads it back. */
export interface TopicWithSubscriber {
  readonly topicArn: string;
  readonly queueUrl: string;
}

/**
 * Creates topic `name` and queue `<name>-subscriber`, subscribed to it with raw message
 * delivery: how the local pipelines and the tests read an SNS destination back, as a user
 * would (fauxqs serves both services on one endpoint).
 */
export async function topicWithSubscriber(
  sns: SNSClient,
  sqs: SQSClient,
  name: string,
): Promise<TopicWithSubscriber> {
  const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-subscriber` }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: Attributes.QueueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: TopicArn, queueUrl: QueueUrl };
}
