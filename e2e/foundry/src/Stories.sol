// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The repository's inference example and the mock for forge's EVM, through the remapping in foundry.toml.
import {StoryTeller} from "hyperion/StoryTeller.sol";
import {HyperionInferenceMock} from "hyperion/HyperionInferenceMock.sol";
