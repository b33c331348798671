// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Pulls the ERC-4337 EntryPoint v0.8 from @account-abstraction/contracts into the build unchanged.
import {EntryPoint} from "@account-abstraction/contracts/core/EntryPoint.sol";
