namespace Hyperion.Evm.Transactions;

/// <summary>
/// The EVM's view of intrinsic gas: maps the fork to the rules of <see cref="Core.Transactions.IntrinsicGas"/>, which
/// holds the one implementation (Core's transaction validation uses it too).
/// </summary>
public static class IntrinsicGas
{
    public static long Calculate(Fork fork, ReadOnlySpan<byte> data, bool isCreate, int accessListAddresses, int accessListStorageKeys) =>
        Core.Transactions.IntrinsicGas.Calculate(
            data, isCreate, accessListAddresses, accessListStorageKeys, chargeInitCodeWords: fork >= Fork.Shanghai);
}
