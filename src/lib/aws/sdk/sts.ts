// The STS client and the one command molectl sends, and nothing else of @aws-sdk/client-sts:
// see ec2.ts for why.
export { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
