import { type DescMessage, type DescService, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { makeGenericClientConstructor, type MethodDefinition, type ServiceDefinition } from '@grpc/grpc-js';

/** Largest message either side accepts; bundles travel in chunks well below it. */
export const maxMessageBytes = 4 * 1024 * 1024;

function methodDefinition(path: string, input: DescMessage, output: DescMessage, kind: string): MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>> {
  return {
    path,
    requestStream: kind === 'client_streaming' || kind === 'bidi_streaming',
    responseStream: kind === 'server_streaming' || kind === 'bidi_streaming',
    originalName: path.slice(path.lastIndexOf('/') + 1),
    requestSerialize: (message) => Buffer.from(toBinary(input, message)),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (message) => Buffer.from(toBinary(output, message)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
  };
}

/** The @grpc/grpc-js service definition of a protobuf-es service, method names in lowerCamelCase. */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  return Object.fromEntries(
    service.methods.map((method) => [method.localName, methodDefinition(`/${service.typeName}/${method.name}`, method.input, method.output, method.methodKind)]),
  );
}

/** A @grpc/grpc-js client class for a protobuf-es service. */
export function grpcClientConstructor(service: DescService) {
  return makeGenericClientConstructor(grpcServiceDefinition(service), service.typeName);
}
