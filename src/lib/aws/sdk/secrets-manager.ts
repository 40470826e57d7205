// The Secrets Manager client and the commands molectl sends, and nothing else of
// @aws-sdk/client-secrets-manager: see ec2.ts for why.
export {
  SecretsManagerClient,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
