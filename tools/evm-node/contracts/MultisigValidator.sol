// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {
    IERC7579Validator,
    MODULE_TYPE_VALIDATOR,
    VALIDATION_SUCCESS,
    VALIDATION_FAILED
} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/// @notice An ERC-7579 validator module: a k-of-n set of EOA signers per smart account.
/// @dev One deployment serves every account; each account's signers and threshold are keyed by the account
/// (msg.sender when it installs or reconfigures the module).
///
/// Read interface (what the Guardian service calls over eth_call):
///   getSigners(account, start, end) -> bytes[]  (each signer as its 20 address bytes)
///   getSignerCount(account)         -> uint256
///   threshold(account)              -> uint64
///
/// Install data: abi.encode(address[] signers, uint64 threshold).
///
/// Signature of a user operation: abi.encode(bytes[] signers, bytes[] signatures), where signers[i] is a 20-byte
/// signer address and signatures[i] its 65-byte r || s || v secp256k1 signature over the raw 32-byte userOpHash
/// (no EIP-191 prefix; v is 27/28, or 0/1). Every pair must be valid, the signers distinct and configured, and
/// there must be at least threshold pairs; anything else fails validation (the EntryPoint then refuses the op).
contract MultisigValidator is IERC7579Validator {
    uint256 public constant MAX_SIGNERS = 1024;

    mapping(address account => address[]) private _signers;
    mapping(address account => mapping(address signer => bool)) private _isSigner;
    mapping(address account => uint64) private _threshold;

    event SignersConfigured(address indexed account, address[] signers, uint64 threshold);

    error InvalidSignerSet();
    error InvalidThreshold(uint64 threshold, uint256 signerCount);
    error AlreadyInstalled(address account);

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    function onInstall(bytes calldata data) external {
        if (_signers[msg.sender].length != 0) revert AlreadyInstalled(msg.sender);
        (address[] memory signers, uint64 threshold_) = abi.decode(data, (address[], uint64));
        _configure(msg.sender, signers, threshold_);
    }

    function onUninstall(bytes calldata) external {
        _clear(msg.sender);
        delete _threshold[msg.sender];
        emit SignersConfigured(msg.sender, new address[](0), 0);
    }

    /// @notice Replaces the calling account's signer set and threshold (the account calls it through execute).
    function setSigners(address[] calldata signers, uint64 threshold_) external {
        _clear(msg.sender);
        _configure(msg.sender, signers, threshold_);
    }

    function getSigners(address account, uint256 start, uint256 end) external view returns (bytes[] memory) {
        address[] storage all = _signers[account];
        if (end > all.length) end = all.length;
        if (start > end) start = end;
        bytes[] memory out = new bytes[](end - start);
        for (uint256 i = start; i < end; ++i) {
            out[i - start] = abi.encodePacked(all[i]);
        }
        return out;
    }

    function getSignerCount(address account) external view returns (uint256) {
        return _signers[account].length;
    }

    function threshold(address account) external view returns (uint64) {
        return _threshold[account];
    }

    function isSigner(address account, address signer) external view returns (bool) {
        return _isSigner[account][signer];
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external view returns (uint256) {
        return _isValid(msg.sender, userOpHash, userOp.signature) ? VALIDATION_SUCCESS : VALIDATION_FAILED;
    }

    /// @dev ERC-1271 through the account: the same k-of-n rule over the hash the account forwards.
    function isValidSignatureWithSender(
        address,
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        return _isValid(msg.sender, hash, signature) ? this.isValidSignatureWithSender.selector : bytes4(0xffffffff);
    }

    function _isValid(address account, bytes32 hash, bytes calldata signature) private view returns (bool) {
        uint64 required = _threshold[account];
        if (required == 0) return false;
        (bytes[] memory signers, bytes[] memory signatures) = _decode(signature);
        uint256 n = signers.length;
        if (n != signatures.length || n < required) return false;
        address[] memory seen = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (signers[i].length != 20) return false;
            address signer = address(bytes20(signers[i]));
            if (!_isSigner[account][signer]) return false;
            for (uint256 j = 0; j < i; ++j) {
                if (seen[j] == signer) return false;
            }
            seen[i] = signer;
            if (_recover(hash, signatures[i]) != signer) return false;
        }
        return true;
    }

    /// @dev abi.decode reverts on malformed input; a bad signature must read as "invalid", not as a revert, so the
    /// EntryPoint reports a signature failure. Decoding goes through an external self-call to catch the revert.
    function _decode(bytes calldata signature) private view returns (bytes[] memory, bytes[] memory) {
        try this.decodeSignature(signature) returns (bytes[] memory signers, bytes[] memory signatures) {
            return (signers, signatures);
        } catch {
            return (new bytes[](0), new bytes[](0));
        }
    }

    /// @notice Decodes the signature encoding described above (public for the self-call; it has no effects).
    function decodeSignature(bytes calldata signature) external pure returns (bytes[] memory, bytes[] memory) {
        return abi.decode(signature, (bytes[], bytes[]));
    }

    function _recover(bytes32 hash, bytes memory signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        // Accept the 0/1 recovery id some signers emit as well as the 27/28 ecrecover expects.
        if (uint8(signature[64]) < 27) signature[64] = bytes1(uint8(signature[64]) + 27);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError ? recovered : address(0);
    }

    function _configure(address account, address[] memory signers, uint64 threshold_) private {
        uint256 n = signers.length;
        if (n == 0 || n > MAX_SIGNERS) revert InvalidSignerSet();
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        for (uint256 i = 0; i < n; ++i) {
            address signer = signers[i];
            if (signer == address(0) || _isSigner[account][signer]) revert InvalidSignerSet();
            _isSigner[account][signer] = true;
            _signers[account].push(signer);
        }
        _threshold[account] = threshold_;
        emit SignersConfigured(account, signers, threshold_);
    }

    function _clear(address account) private {
        address[] storage all = _signers[account];
        for (uint256 i = 0; i < all.length; ++i) {
            delete _isSigner[account][all[i]];
        }
        delete _signers[account];
    }
}
