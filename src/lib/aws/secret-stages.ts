/** Secrets Manager's staging labels (its rotation protocol): one version holds each at a time. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';
