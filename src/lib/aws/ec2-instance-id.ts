/** An EC2 instance id as EC2 makes them: `i-` and 8 (older instances) or 17 hex digits. */
export const EC2_INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
