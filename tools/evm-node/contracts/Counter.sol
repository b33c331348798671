// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The target of the tests' user operations: its state shows whether an operation really executed.
contract Counter {
    uint256 public number;
    address public lastCaller;

    event Incremented(address indexed caller, uint256 number);

    function increment() external {
        number += 1;
        lastCaller = msg.sender;
        emit Incremented(msg.sender, number);
    }
}
