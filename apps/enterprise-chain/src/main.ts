#!/usr/bin/env node
/**
 * The enterprise chain service: a consortium validator. Everything but the profile lives in
 * @tandem/nest-common and @tandem/chain-runtime; the profile sets the WAN-friendly consensus timeouts,
 * the allowlist-only peering through seeds, and no mDNS.
 */
import { main } from "@tandem/nest-common";

await main("enterprise");
