// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/// @notice An ERC-7579 smart account for the Guardian tests, built on OpenZeppelin's AccountERC7579.
/// @dev It holds no signer of its own: every user operation is checked by the validator module named in the
/// first 20 bytes of its nonce (OpenZeppelin's default module selection). The validator is installed by the
/// constructor so a test needs a single transaction per account; the EntryPoint is a constructor argument
/// because the tests place it at an address of their choosing.
contract GuardianSmartAccount is AccountERC7579 {
    IEntryPoint private immutable _entryPoint;

    constructor(IEntryPoint entryPoint_, address validator, bytes memory validatorInitData) {
        _entryPoint = entryPoint_;
        _installModule(MODULE_TYPE_VALIDATOR, validator, validatorInitData);
    }

    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }
}
