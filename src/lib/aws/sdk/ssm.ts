// The SSM client and the commands molectl sends, and nothing else of @aws-sdk/client-ssm
// (~150 commands and the aggregated `SSM` class): see ec2.ts for why.
export {
  SSMClient,
  CancelCommandCommand,
  DeleteParameterCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  PutParameterCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
