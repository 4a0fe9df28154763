// The polyfill must run before anything loads libp2p (Node 20 lacks Promise.withResolvers).
import "./polyfill.js";

export { Allowlist } from "./allowlist.js";
export { isP2PError, P2PError, P2PErrorCode, type P2PErrorMeta } from "./errors.js";
export { decodePeerKey, generatePeerKey, normalizePeerId, peerIdOfKey, peerKeyFromSeed } from "./identity.js";
export { type Logger, silentLogger } from "./logger.js";
export { P2PNode } from "./node.js";
export {
  defaultP2POptions,
  type HandleOptions,
  type MdnsOptions,
  type MessageHandler,
  type P2PEvents,
  type P2POptions,
  type PublishResult,
  type RequestHandler,
  type RequestOptions,
  type SubscribeOptions,
  type ValidationResult,
} from "./options.js";
export { PEER_EXCHANGE_PROTOCOL, type PeerRecord } from "./peer-exchange.js";
export { installPromiseWithResolvers } from "./polyfill.js";
export {
  assertProtocolId,
  CHAIN_TOPIC_KINDS,
  type ChainProtocolKind,
  type ChainTopicKind,
  chainProtocol,
  chainTopic,
  chainTopics,
} from "./topics.js";
