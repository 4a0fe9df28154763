export {
  defaultLibp2pPeerNetworkOptions,
  Libp2pPeerNetwork,
  type Libp2pPeerNetworkOptions,
  type Libp2pPeerNetworkStats,
} from "./libp2p-network.js";
