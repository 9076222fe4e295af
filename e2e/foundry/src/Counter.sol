// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract Counter {
    uint256 public number;

    event Incremented(uint256 number);

    function increment() external {
        number += 1;
        emit Incremented(number);
    }

    function setNumber(uint256 value) external {
        number = value;
    }
}
