#!/usr/bin/env node
/**
 * The smart-home chain service, run by the home hub. The home profile sets short consensus timeouts and
 * mDNS discovery of the hub's spares on the LAN; the rest is shared with the enterprise chain.
 */
import { main } from "@tandem/nest-common";

await main("home");
