export {
  BlockPublisher,
  type BlockPublisherOptions,
  type BlockStreamMessage,
  blockStreamName,
  blockSubject,
  encodeBlockMessage,
  heightOfStreamMessage,
  proposerTurn,
} from "./block-stream.js";
export {
  type BlockConsumer,
  type BlockHandler,
  type ConsumeBlocksOptions,
  consumeBlocks,
} from "./consumer.js";
