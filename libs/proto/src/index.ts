export * from './generated/capstan/agent/v1/agent_pb';
export * from './grpc-service';
export * from './names';
export * from './sequenced-channel';
