// The EC2 client and the commands molectl sends, and nothing else of @aws-sdk/client-ec2: the
// package's index also exports ~800 other commands and the aggregated `EC2` class, which
// attaches a method per command when it loads. Imported whole, that was a 2.1 MB chunk costing
// every run that touches EC2 ~230 ms of CPU; named like this, the bundler keeps only these
// (the package declares itself free of side effects). A call to a command not listed here is
// a type error at the call site (sdk.<Command> in ec2-calls.ts, security-group-calls.ts).
export {
  EC2Client,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  GetConsoleOutputCommand,
} from '@aws-sdk/client-ec2';
