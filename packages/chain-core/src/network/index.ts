export {
  NETWORK_TOPICS,
  type NetworkTopic,
  type PeerNetwork,
  type PeerNetworkHandlers,
} from "./interface.js";
export {
  defaultMemoryNetworkOptions,
  type InFlightMessage,
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryNetworkStats,
  type MessageInterceptor,
} from "./memory-network.js";
export { PortNetwork, type PortNetworkOptions, type PortPeer, portMesh } from "./port-network.js";
