using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Transactions;

/// <summary>
/// The gas a transaction costs before any code runs: base cost (21000, or 53000 for a creation), calldata
/// (4 per zero byte, 16 per non-zero byte), EIP-2930 access list entries, and from Shanghai the EIP-3860 init-code
/// word cost for creations. A transaction whose gas limit is below this is invalid.
/// </summary>
public static class IntrinsicGas
{
    public static long Calculate(Fork fork, ReadOnlySpan<byte> data, bool isCreate, int accessListAddresses, int accessListStorageKeys)
    {
        long gas = isCreate ? GasCost.TransactionCreate : GasCost.Transaction;
        int zeros = data.Count((byte)0);
        gas += (zeros * GasCost.TxDataZero) + ((data.Length - zeros) * GasCost.TxDataNonZero);
        gas += (accessListAddresses * GasCost.AccessListAddress) + (accessListStorageKeys * GasCost.AccessListStorageKey);
        if (isCreate && fork >= Fork.Shanghai)
        {
            gas += GasCost.InitCodeWord * GasCost.Words(data.Length);
        }

        return gas;
    }
}
