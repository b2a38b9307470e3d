/** A CPU decoder (`ForwardDecoder`, `VmDecoder`) used after close(): its KV cache and weights are released. */
export class DecoderClosedError extends Error {
  override readonly name = 'DecoderClosedError';
}
